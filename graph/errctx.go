package graph

import (
	"errors"
	"fmt"
	"strings"
)

// ErrBroadcast is wrapped by the error of an elementwise op (Add, Sub, Mul,
// Div and everything built on them) whose argument shapes do not broadcast
// against each other. Test for it with errors.Is.
var ErrBroadcast = errors.New("shapes do not broadcast")

// broadcastError is the error of a binary op whose shapes do not broadcast.
type broadcastError struct {
	op   string
	x, y Shape
	why  string // an extra reason in parentheses, or ""
}

func (e *broadcastError) Error() string {
	msg := fmt.Sprintf("graph: %s: shapes %v and %v do not broadcast", e.op, e.x, e.y)
	if e.why != "" {
		msg += " (" + e.why + ")"
	}
	return msg
}

func (e *broadcastError) Unwrap() error { return ErrBroadcast }

// CallError is the error of a Builder method built from other ops (a
// log-density, a KL divergence, a mixture, AddN, ...) when one of its inner
// steps fails. It names the call the caller made, with the shape of every
// argument, rather than the internal op that failed:
//
//	graph: NormalLogProb(x (10), loc (8), scale ()): shapes do not broadcast
//
// Err is the inner error (which names the internal op), for errors.Is and
// errors.As; a failed broadcast wraps ErrBroadcast. Only the outermost call is
// named: a density built on another density reports the one the caller wrote.
type CallError struct {
	// Call is the method with its arguments' names and shapes, as in
	// "NormalLogProb(x (10), loc (8), scale ())"; a nil argument is shown as
	// "nil".
	Call string
	// Err is the error of the inner step.
	Err error
}

// Error returns "graph: " + Call + ": " and the reason: "shapes do not
// broadcast" for a broadcast failure, otherwise the inner message without its
// "graph: " prefix.
func (e *CallError) Error() string {
	reason := "shapes do not broadcast"
	if !errors.Is(e.Err, ErrBroadcast) {
		reason = strings.TrimPrefix(e.Err.Error(), "graph: ")
	}
	return "graph: " + e.Call + ": " + reason
}

// Unwrap returns Err.
func (e *CallError) Unwrap() error { return e.Err }

// enter marks the start of the composite method name, called with args given
// as alternating argument names and values (*Node, []*Node, *Index, int).
// Defer the function it returns: if the method's inner steps record an error,
// that function wraps it in a CallError naming the call. Only the outermost
// composite call wraps, and an error whose message already names the method
// (its own argument check) is left as it is.
//
//	defer b.enter("NormalLogProb", "x", x, "loc", loc, "scale", scale)()
func (b *Builder) enter(name string, args ...any) func() {
	if b.err != nil {
		return func() {}
	}
	b.depth++
	return func() {
		b.depth--
		if b.depth > 0 || b.err == nil {
			return
		}
		if strings.HasPrefix(b.err.Error(), "graph: "+name) {
			return
		}
		b.err = &CallError{Call: formatCall(name, args), Err: b.err}
	}
}

// formatCall renders a call for CallError: name(arg shape, ...).
func formatCall(name string, args []any) string {
	var sb strings.Builder
	sb.WriteString(name)
	sb.WriteByte('(')
	for i := 0; i+1 < len(args); i += 2 {
		if i > 0 {
			sb.WriteString(", ")
		}
		fmt.Fprintf(&sb, "%v %s", args[i], describeArg(args[i+1]))
	}
	sb.WriteByte(')')
	return sb.String()
}

func describeArg(v any) string {
	switch a := v.(type) {
	case *Node:
		if a == nil {
			return "nil"
		}
		return a.Shape().String()
	case []*Node:
		parts := make([]string, len(a))
		for i, n := range a {
			parts[i] = describeArg(n)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case *Index:
		if a == nil {
			return "nil"
		}
		return fmt.Sprintf("(%d) of %d groups", a.Len(), a.Groups())
	}
	return fmt.Sprint(v)
}
