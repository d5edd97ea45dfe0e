package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// A command is one node of vigor's command tree (see commandTree in main.go):
// either a leaf that runs, such as "fit" or "vae train", or a group of
// subcommands, such as "vae" or "study". A leaf has opts; a group has subs.
type command struct {
	name    string // the word on the command line
	summary string // one line for the lists of commands
	// synopsis is a leaf's flags summary, written after "vigor <path> " in
	// the usage lines, with required flags unbracketed. A "\n" starts a
	// continuation line, indented under the first.
	synopsis string
	// about is the text of the command's -h page between its usage line and
	// its flags (a group's page adds the list of its subcommands).
	about string
	// opts returns a leaf's options struct, fresh for each run.
	opts func() options
	// subs are a group's subcommands, in the order of its help page.
	subs []*command
	// noun names what a group's subcommands are, in its usage line and
	// errors: "command", "study", "dataset".
	noun string
	// listOnError makes a group print its help after an unknown
	// subcommand's error line: the root does, as the list of every command.
	listOnError bool
}

// options is the options struct of a leaf command. Its flags are bound
// straight to its fields, it checks them once they are parsed, and it runs
// from them. Every error it returns goes through fail: a usageError is bad
// input (exit code 2), any other error a failure while running (exit code 1).
type options interface {
	// flags defines the command's flags on fs, bound to the struct's fields.
	flags(fs *flag.FlagSet)
	// check validates the parsed values and derives what run needs from
	// them; given holds the names of the flags on the command line.
	check(given map[string]bool) error
	// run runs the command. e.cmd is the command's path, for messages.
	run(e *env) error
}

// helpWriter is implemented by an options struct whose -h page depends on the
// flags given before -h (vigor fit --model NAME -h describes one model); it
// replaces the generic page.
type helpWriter interface {
	writeHelp(w io.Writer, c *command, path string, fs *flag.FlagSet)
}

// sub returns the subcommand of c called name, or nil.
func (c *command) sub(name string) *command {
	for _, s := range c.subs {
		if s.name == name {
			return s
		}
	}
	return nil
}

// exec runs c, whose path is path ("vigor vae train"), with args, the
// arguments after the path, and returns the exit code.
func (c *command) exec(path string, args []string, e *env) int {
	if c.opts == nil {
		return c.dispatch(path, args, e)
	}
	return c.execLeaf(path, args, e)
}

// dispatch runs the subcommand named by args[0] of the group c. With no
// arguments it prints the group's help and returns 2; "-h" prints it and
// returns 0; "help X ..." is "X ... -h". The root also prints its help after
// an unknown command, the list of every command.
func (c *command) dispatch(path string, args []string, e *env) int {
	if len(args) == 0 {
		c.writeGroupHelp(e.stderr, path)
		return 2
	}
	name, rest := args[0], args[1:]
	switch name {
	case "-h", "-help", "--help":
		c.writeGroupHelp(e.stderr, path)
		return 0
	case "help":
		if len(rest) == 0 {
			c.writeGroupHelp(e.stderr, path)
			return 0
		}
		// `vigor help vae train` is `vigor vae train -h`.
		s := c.sub(rest[0])
		if s == nil {
			return c.unknown(path, path+" help", rest[0], e)
		}
		return s.exec(path+" "+s.name, append(append([]string(nil), rest[1:]...), "-h"), e)
	}
	s := c.sub(name)
	if s == nil {
		return c.unknown(path, path, name, e)
	}
	return s.exec(path+" "+s.name, rest, e)
}

// unknown reports the unknown subcommand name of the group c, whose path is
// path, in an error line that starts with where ("vigor vae", "vigor help").
func (c *command) unknown(path, where, name string, e *env) int {
	names := make([]string, len(c.subs))
	for i, s := range c.subs {
		names[i] = s.name
	}
	code := fail(e, where, badf("unknown %s %q (want %s)", c.noun, name, orList(names)))
	if c.listOnError {
		c.writeGroupHelp(e.stderr, path)
	}
	return code
}

// execLeaf parses args into a fresh options struct of the leaf c, checks and
// runs it. A panic (a bug) becomes one line and exit code 1, like any failure.
func (c *command) execLeaf(path string, args []string, e *env) (code int) {
	defer func() {
		if r := recover(); r != nil {
			code = fail(e, path, fmt.Errorf("internal error: %v", r))
		}
	}()
	o := c.opts()
	fs := newFlagSet(path)
	o.flags(fs)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			if h, ok := o.(helpWriter); ok {
				h.writeHelp(e.stderr, c, path, fs)
			} else {
				c.writeLeafHelp(e.stderr, path, fs)
			}
			return 0
		}
		return fail(e, path, badf("%v (see %s -h)", err, path))
	}
	if fs.NArg() > 0 {
		return fail(e, path, badf("unexpected argument %q (see %s -h)", fs.Arg(0), path))
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	if err := o.check(given); err != nil {
		return fail(e, path, err)
	}
	ce := *e
	ce.cmd = path
	if err := o.run(&ce); err != nil {
		return fail(e, path, err)
	}
	return 0
}

// newFlagSet returns an empty flag set that reports errors to its caller
// instead of printing them: vigor prints its own help and error lines.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// leaves calls f for every leaf below c (c itself if it is a leaf), in help
// order, with its path relative to c ("train", "fetch mnist").
func (c *command) leaves(f func(rel string, leaf *command)) {
	var walk func(prefix string, c *command)
	walk = func(prefix string, c *command) {
		if c.opts != nil {
			f(prefix, c)
			return
		}
		for _, s := range c.subs {
			walk(strings.TrimSpace(prefix+" "+s.name), s)
		}
	}
	walk("", c)
}

// writeGroupHelp writes the -h page of the group c: its usage line, its
// about text, its leaf commands with their summaries and their flags summaries.
func (c *command) writeGroupHelp(w io.Writer, path string) {
	fmt.Fprintf(w, "usage: %s <%s> [flags]\n\n", path, c.noun)
	if c.about != "" {
		fmt.Fprintf(w, "%s\n\n", strings.TrimSpace(c.about))
	}
	fmt.Fprintf(w, "The %s are:\n\n", plural(c.noun))
	width := 0
	c.leaves(func(rel string, _ *command) { width = max(width, len(rel)) })
	c.leaves(func(rel string, l *command) { fmt.Fprintf(w, "\t%-*s  %s\n", width, rel, l.summary) })
	fmt.Fprintf(w, "\nTheir flags:\n\n")
	c.leaves(func(rel string, l *command) { writeSynopsis(w, "\t"+path+" "+rel+" ", l.synopsis) })
	fmt.Fprintf(w, "\nUse \"%s <%s> -h\" (or \"%s help <%s>\") for more about a %s.\n", path, c.noun, path, c.noun, c.noun)
}

// writeLeafHelp writes the -h page of the leaf c: its usage line, its about
// text and its flags.
func (c *command) writeLeafHelp(w io.Writer, path string, fs *flag.FlagSet) {
	writeSynopsis(w, "usage: "+path+" ", c.synopsis)
	fmt.Fprintln(w)
	if c.about != "" {
		fmt.Fprintf(w, "%s\n\n", strings.TrimSpace(c.about))
	}
	fmt.Fprintln(w, "Flags:")
	printFlags(w, fs)
}

// writeSynopsis writes prefix and the synopsis, whose continuation lines are
// indented to the width of prefix (tabs kept), plus their own indentation.
func writeSynopsis(w io.Writer, prefix, synopsis string) {
	indent := []byte(prefix)
	for i, b := range indent {
		if b != '\t' {
			indent[i] = ' '
		}
	}
	for i, line := range strings.Split(strings.TrimSpace(synopsis), "\n") {
		if i == 0 {
			fmt.Fprintf(w, "%s%s\n", prefix, line)
		} else {
			fmt.Fprintf(w, "%s%s\n", indent, strings.TrimRight(line, " "))
		}
	}
}

// plural is the plural of the noun n: "commands", "studies".
func plural(n string) string {
	if strings.HasSuffix(n, "y") {
		return strings.TrimSuffix(n, "y") + "ies"
	}
	return n + "s"
}

// orList joins names as "a, b or c".
func orList(names []string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
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

// isNumber reports whether s parses as a float64.
func isNumber(s string) bool {
	_, err := strconv.ParseFloat(s, 64)
	return err == nil
}
