package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// env is what a command may touch: its output streams and whether stderr is a
// terminal (for progress bars). Tests build one by hand.
type env struct {
	stdout, stderr io.Writer
	isTTY          bool
}

// A command is one `vigor <name>` subcommand. run receives the arguments after
// the command name and returns the process exit code: 0 for success, 1 for a
// failure of the computation or of the output, 2 for bad input or usage.
type command struct {
	name    string
	summary string // one line for `vigor help`
	run     func(args []string, e *env) int
}

// commands is the dispatch table. To add a subcommand, append an entry; its
// run function must handle -h itself (print its usage to e.stderr, return 0).
var commands = []command{
	{name: "fit", summary: "fit a Bayesian linear or logistic regression, or a Gaussian mixture, to a CSV file", run: runFit},
	{name: "vae", summary: "train, evaluate and sample a variational autoencoder on MNIST", run: runVAE},
	{name: "data", summary: "fetch datasets (MNIST) into the data directory", run: runData},
	{name: "study", summary: "run an empirical study (variance: the ELBO gradient estimators compared)", run: runStudy},
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, isTerminal(os.Stderr)))
}

// run is the whole program behind main, minus os.Exit: it dispatches args[0] to
// a command and returns the exit code.
func run(args []string, stdout, stderr io.Writer, isTTY bool) (code int) {
	e := &env{stdout: stdout, stderr: stderr, isTTY: isTTY}
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	name := args[0]
	switch name {
	case "-h", "-help", "--help", "help":
		if name == "help" && len(args) > 1 {
			// `vigor help fit` is `vigor fit -h`.
			if c := lookup(args[1]); c != nil {
				return c.run([]string{"-h"}, e)
			}
			fmt.Fprintf(stderr, "vigor help: unknown command %q\n", args[1])
			usage(stderr)
			return 2
		}
		usage(stderr)
		return 0
	}
	c := lookup(name)
	if c == nil {
		fmt.Fprintf(stderr, "vigor: unknown command %q\n", name)
		usage(stderr)
		return 2
	}
	// The house style promises no stack traces: a panic in a command (a bug)
	// becomes one line and exit code 1.
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "vigor %s: internal error: %s\n", c.name, oneLine(fmt.Sprint(r)))
			code = 1
		}
	}()
	return c.run(args[1:], e)
}

func lookup(name string) *command {
	for i := range commands {
		if commands[i].name == name {
			return &commands[i]
		}
	}
	return nil
}

func usage(w io.Writer) {
	fmt.Fprintf(w, "Vigor is black-box variational inference for Go.\n\n")
	fmt.Fprintf(w, "Usage:\n\n\tvigor <command> [flags]\n\nThe commands are:\n\n")
	width := 0
	for _, c := range commands {
		width = max(width, len(c.name))
	}
	for _, c := range commands {
		fmt.Fprintf(w, "\t%-*s  %s\n", width, c.name, c.summary)
	}
	fmt.Fprintf(w, "\nUse \"vigor <command> -h\" for more information about a command.\n")
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

// printFlags lists the flags of fs like flag.PrintDefaults, but spelled with
// two dashes as in the rest of vigor's documentation.
func printFlags(w io.Writer, fs *flag.FlagSet) {
	fs.VisitAll(func(f *flag.Flag) {
		arg, text := flag.UnquoteUsage(f)
		fmt.Fprintf(w, "  --%s", f.Name)
		if arg != "" {
			fmt.Fprintf(w, " %s", arg)
		}
		fmt.Fprintf(w, "\n    \t%s", text)
		if d := f.DefValue; d != "" && d != "0" && d != "false" {
			if arg == "" || strings.ContainsAny(d, " ,") || !isNumber(d) {
				d = fmt.Sprintf("%q", d)
			}
			fmt.Fprintf(w, " (default %s)", d)
		}
		fmt.Fprintln(w)
	})
}

func isNumber(s string) bool {
	_, err := strconv.ParseFloat(s, 64)
	return err == nil
}
