package main

import (
	"errors"
	"fmt"
	"strings"
)

// usageError marks a problem with the command line or the input data, as
// opposed to a failure while running: fail maps it to exit code 2.
type usageError struct{ err error }

// Error returns the wrapped error's message.
func (e usageError) Error() string { return e.err.Error() }

// Unwrap returns the wrapped error, for errors.Is and errors.As.
func (e usageError) Unwrap() error { return e.err }

// badf formats a usageError, like fmt.Errorf (and %w works).
func badf(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// bad marks err, a problem with the command line or the input data, as a
// usageError; nil stays nil.
func bad(err error) error {
	if err == nil {
		return nil
	}
	return usageError{err}
}

// fail is the one way a command reports an error: it prints err on e.stderr as
// exactly one line, "<cmd>: <message>" (cmd is the command's path, such as
// "vigor fit"), and returns the exit code: 2 for a usageError (bad flags or
// bad input), 1 for a failure while running (a fit that meets a NaN, an output
// that cannot be written). There is never a stack trace.
func fail(e *env, cmd string, err error) int {
	fmt.Fprintf(e.stderr, "%s: %s\n", cmd, oneLine(err.Error()))
	return exitCode(err)
}

// exitCode is the exit status for err: 0 for nil, 2 for a usageError, else 1.
func exitCode(err error) int {
	var ue usageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ue):
		return 2
	}
	return 1
}

// oneLine squeezes a message onto one line, so that every error is exactly one
// line on stderr.
func oneLine(s string) string {
	s = strings.TrimSpace(s)
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}
