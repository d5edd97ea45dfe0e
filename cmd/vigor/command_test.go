package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
)

// leafFlags returns the names of the flags a leaf command defines.
func leafFlags(c *command) []string {
	fs := newFlagSet("test")
	c.opts().flags(fs)
	var names []string
	fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
	return names
}

// mentionsFlag reports whether text names the flag --name as a whole word.
func mentionsFlag(text, name string) bool {
	return regexp.MustCompile(`--` + regexp.QuoteMeta(name) + `([^a-z0-9-]|$)`).MatchString(text)
}

// readDoc returns the package documentation, doc.go.
func readDoc(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// docSection returns the part of doc.go under the heading "// # <heading>",
// up to the next heading; "" if there is no such heading.
func docSection(doc, heading string) string {
	start := strings.Index(doc, "\n// # "+heading+"\n")
	if start < 0 {
		return ""
	}
	rest := doc[start+1:]
	if end := strings.Index(rest[1:], "\n// # "); end >= 0 {
		return rest[:end+1]
	}
	return rest
}

// synopsisBlock is the synopsis of a leaf as `vigor -h` prints it, each line
// turned into a line of a doc comment.
func synopsisBlock(path string, c *command) string {
	var b bytes.Buffer
	writeSynopsis(&b, "\t"+path+" ", c.synopsis)
	return "//" + strings.ReplaceAll(strings.TrimSuffix(b.String(), "\n"), "\n", "\n//") + "\n"
}

// TestCommandTree walks the command tree: every command is complete, listed
// with its summary and its flags summary by `vigor -h`, has a -h page, and is
// documented in doc.go with all its flags.
func TestCommandTree(t *testing.T) {
	root := commandTree()
	code, stdout, usage := runCLI(t, false, "-h")
	if code != 0 || stdout != "" {
		t.Fatalf("vigor -h: exit code %d, stdout %q", code, stdout)
	}
	doc := readDoc(t)
	var check func(path string, c *command)
	check = func(path string, c *command) {
		if c.name == "" || c.about == "" {
			t.Errorf("%s: no name or no help text", path)
		}
		if c.opts == nil {
			if len(c.subs) == 0 || c.noun == "" {
				t.Errorf("%s: a group without subcommands or noun", path)
			}
			code, _, stderr := runCLI(t, false, append(strings.Fields(path)[1:], "-h")...)
			if code != 0 || !strings.HasPrefix(stderr, "usage: "+path+" <"+c.noun+">") {
				t.Errorf("%s -h: exit code %d, help %.80q", path, code, stderr)
			}
			c.leaves(func(rel string, l *command) {
				if !strings.Contains(stderr, "\t"+rel+"  ") || !strings.Contains(stderr, l.summary) {
					t.Errorf("%s -h does not list %s with its summary", path, rel)
				}
			})
			for _, s := range c.subs {
				check(path+" "+s.name, s)
			}
			return
		}
		if len(c.subs) > 0 || c.summary == "" || c.synopsis == "" {
			t.Errorf("%s: a leaf with subcommands, or without a summary or flags summary", path)
		}
		rel := strings.TrimPrefix(path, "vigor ")
		if !regexp.MustCompile(`(?m)^\t` + regexp.QuoteMeta(rel) + ` +` + regexp.QuoteMeta(c.summary) + `$`).MatchString(usage) {
			t.Errorf("vigor -h does not list %q with its summary %q", rel, c.summary)
		}
		block := synopsisBlock(path, c)
		if !strings.Contains(usage, strings.ReplaceAll(strings.TrimPrefix(block, "//"), "\n//", "\n")) {
			t.Errorf("vigor -h lacks the flags summary of %s:\n%s", path, block)
		}
		if !strings.Contains(doc, block) {
			t.Errorf("doc.go lacks the flags summary of %s, as vigor -h prints it:\n%s", path, block)
		}
		section := docSection(doc, path)
		if section == "" {
			t.Errorf("doc.go has no section \"# %s\"", path)
		}
		code, stdout, help := runCLI(t, false, append(strings.Fields(path)[1:], "-h")...)
		if code != 0 || stdout != "" || !strings.HasPrefix(help, "usage: "+path+" ") {
			t.Errorf("%s -h: exit code %d, stdout %q, help %.80q", path, code, stdout, help)
		}
		for _, f := range leafFlags(c) {
			if !mentionsFlag(c.synopsis, f) {
				t.Errorf("%s: the flags summary lacks --%s", path, f)
			}
			if !mentionsFlag(help, f) {
				t.Errorf("%s -h lacks --%s", path, f)
			}
			if path != "vigor fit" && !mentionsFlag(section, f) { // fit's flags: see TestModelRegistry
				t.Errorf("doc.go's section %q lacks --%s", path, f)
			}
		}
		// `vigor help <path>` is `<path> -h`.
		if code, _, h := runCLI(t, false, append([]string{"help"}, strings.Fields(path)[1:]...)...); code != 0 || h != help {
			t.Errorf("vigor help %s: exit code %d, not the -h page", rel, code)
		}
	}
	check("vigor", root)
}

// TestGroupErrors: a group without a subcommand prints its help and exits 2;
// an unknown subcommand is one error line listing the known ones, exit 2.
func TestGroupErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string // the first line on stderr
	}{
		{[]string{"vae", "fly"}, `vigor vae: unknown command "fly" (want train, eval or sample)`},
		{[]string{"study", "bias"}, `vigor study: unknown study "bias" (want variance)`},
		{[]string{"data", "fetch", "cifar"}, `vigor data fetch: unknown dataset "cifar" (want mnist)`},
		{[]string{"data", "get"}, `vigor data: unknown command "get" (want fetch or cache)`},
		{[]string{"vae", "help", "fly"}, `vigor vae help: unknown command "fly" (want train, eval or sample)`},
		{[]string{"data"}, "usage: vigor data <command> [flags]"},
		{[]string{"data", "fetch"}, "usage: vigor data fetch <dataset> [flags]"},
	}
	for _, tc := range tests {
		code, stdout, stderr := runCLI(t, false, tc.args...)
		first, _, _ := strings.Cut(stderr, "\n")
		if code != 2 || stdout != "" || first != tc.want {
			t.Errorf("%v: exit code %d, stdout %q, stderr %q; want 2 and %q", tc.args, code, stdout, stderr, tc.want)
		}
		if strings.HasPrefix(tc.want, "vigor ") && strings.Count(stderr, "\n") != 1 {
			t.Errorf("%v: stderr %q is not one line", tc.args, stderr)
		}
	}
}

// fakeOptions is a leaf command for tests: check and run return the given
// errors, and run panics with panicMsg if it is set.
type fakeOptions struct {
	checkErr, runErr error
	panicMsg         string
	x                int
}

// flags implements options.
func (o *fakeOptions) flags(fs *flag.FlagSet) { fs.IntVar(&o.x, "x", 0, "a `number`") }

// check implements options.
func (o *fakeOptions) check(map[string]bool) error { return o.checkErr }

// run implements options.
func (o *fakeOptions) run(e *env) error {
	if o.panicMsg != "" {
		panic(o.panicMsg)
	}
	fmt.Fprintf(e.stdout, "ran %s with x=%d\n", e.cmd, o.x)
	return o.runErr
}

// TestFail checks the one failure path of every leaf: a usageError (also
// wrapped) exits 2, any other error 1, a panic 1; always one line with the
// command's path and no stack trace; success exits 0.
func TestFail(t *testing.T) {
	multi := errors.New("first line\nsecond line")
	tests := []struct {
		name string
		o    fakeOptions
		args []string
		code int
		want string // stderr, or stdout for success
	}{
		{"success", fakeOptions{}, []string{"--x", "3"}, 0, "ran vigor fake with x=3\n"},
		{"usage in check", fakeOptions{checkErr: badf("--x %d is bad", 3)}, nil, 2, "vigor fake: --x 3 is bad\n"},
		{"wrapped usage in run", fakeOptions{runErr: fmt.Errorf("loading: %w", bad(errors.New("data.csv:2:1: bad")))}, nil, 2,
			"vigor fake: loading: data.csv:2:1: bad\n"},
		{"failure in run", fakeOptions{runErr: multi}, nil, 1, "vigor fake: first line second line\n"},
		{"panic", fakeOptions{panicMsg: "boom\ngoroutine 1 [running]"}, nil, 1, "vigor fake: internal error: boom goroutine 1 [running]\n"},
		{"bad flag value", fakeOptions{}, []string{"--x", "many"}, 2, "vigor fake: invalid value \"many\" for flag -x: parse error (see vigor fake -h)\n"},
		{"stray argument", fakeOptions{}, []string{"extra"}, 2, "vigor fake: unexpected argument \"extra\" (see vigor fake -h)\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := tc.o
			c := &command{name: "fake", summary: "s", synopsis: "[--x N]", about: "a", opts: func() options { return &o }}
			var stdout, stderr bytes.Buffer
			code := c.exec("vigor fake", tc.args, &env{stdout: &stdout, stderr: &stderr})
			got := stderr.String()
			if tc.code == 0 {
				got = stdout.String()
			}
			if code != tc.code || got != tc.want {
				t.Errorf("exit code %d, output %q; want %d, %q", code, got, tc.code, tc.want)
			}
		})
	}
	if exitCode(nil) != 0 || exitCode(multi) != 1 || exitCode(badf("x")) != 2 || bad(nil) != nil {
		t.Error("exitCode or bad maps nil or errors wrongly")
	}
}
