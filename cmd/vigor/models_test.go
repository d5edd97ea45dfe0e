package main

import (
	"flag"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vigor-ml/vigor/bbvi"
)

// TestModelRegistry walks the model registry of vigor fit: every model has a
// name, a description and a flags summary with all its flags; it is listed by
// `vigor fit -h` and the unknown-model error, described by
// `vigor fit --model NAME -h`, and documented in doc.go with all its flags.
func TestModelRegistry(t *testing.T) {
	if len(fitModels) == 0 {
		t.Fatal("no models registered")
	}
	_, _, fitHelp := runCLI(t, false, "fit", "-h")
	_, _, unknown := runCLI(t, false, "fit", "--model", "no-such-model", "--data", "x.csv")
	doc := readDoc(t)
	common := newFlagSet("common")
	(&fitOptions{}).commonFlags(common)
	for _, m := range fitModels {
		if m.name == "" || m.summary == "" || m.synopsis == "" || m.about == "" || m.new == nil {
			t.Errorf("incomplete model entry %+v", *m)
			continue
		}
		if !strings.Contains(fitHelp, "  "+m.name+"  ") || !strings.Contains(fitHelp, m.summary) {
			t.Errorf("vigor fit -h does not list %s with its summary", m.name)
		}
		if !strings.Contains(unknown, m.name) {
			t.Errorf("the unknown-model error %q does not list %s", unknown, m.name)
		}
		code, stdout, help := runCLI(t, false, "fit", "--model", m.name, "-h")
		if code != 0 || stdout != "" || !strings.HasPrefix(help, "usage: vigor fit --model "+m.name+" --data FILE.csv ") ||
			!strings.Contains(help, m.summary) {
			t.Errorf("fit --model %s -h: exit code %d, stdout %q, help %.100q", m.name, code, stdout, help)
		}
		var section string
		for _, h := range strings.Split(doc, "\n// # ")[1:] {
			heading, _, _ := strings.Cut(h, "\n")
			if strings.HasPrefix(heading, "vigor fit --model ") && slices.Contains(strings.Split(heading, " "), m.name+",") ||
				strings.HasSuffix(heading, "--model "+m.name) {
				section = h
			}
		}
		if section == "" {
			t.Errorf("doc.go has no section \"# vigor fit --model %s\"", m.name)
		}
		modelFlags(m).VisitAll(func(f *flag.Flag) {
			if common.Lookup(f.Name) != nil {
				t.Errorf("%s defines --%s, a flag of every model", m.name, f.Name)
			}
			if !mentionsFlag(m.synopsis, f.Name) {
				t.Errorf("%s: the flags summary %q lacks --%s", m.name, m.synopsis, f.Name)
			}
			if !mentionsFlag(help, f.Name) {
				t.Errorf("fit --model %s -h lacks --%s", m.name, f.Name)
			}
			if !mentionsFlag(section, f.Name) {
				t.Errorf("doc.go's section on --model %s lacks --%s", m.name, f.Name)
			}
		})
	}
	section := docSection(doc, "vigor fit")
	common.VisitAll(func(f *flag.Flag) {
		if !mentionsFlag(section, f.Name) {
			t.Errorf("doc.go's section \"vigor fit\" lacks --%s", f.Name)
		}
	})
}

// TestModelFlags: a flag that several models define means the same for each
// (one usage text and default in `vigor fit -h`), and a flag of other models
// only is refused, naming the models it belongs to.
func TestModelFlags(t *testing.T) {
	defs := map[string]*flag.Flag{}
	for _, m := range fitModels {
		modelFlags(m).VisitAll(func(f *flag.Flag) {
			if d := defs[f.Name]; d != nil && (d.Usage != f.Usage || d.DefValue != f.DefValue) {
				t.Errorf("--%s: %q (default %q) in one model, %q (default %q) in %s", f.Name, d.Usage, d.DefValue, f.Usage, f.DefValue, m.name)
			}
			defs[f.Name] = f
		})
	}
	dir := t.TempDir()
	data := filepath.Join(dir, "data.csv")
	writeFile(t, data, goodCSV)
	o := newFitOptions()
	o.flags(newFlagSet("fit"))
	for _, m := range fitModels {
		for name, owners := range o.owners {
			if slices.Contains(owners, m.name) {
				continue
			}
			code, _, stderr := runCLI(t, false, "fit", "--model", m.name, "--data", data, "--"+name+"="+defs[name].DefValue)
			want := "vigor fit: --" + name + " does not apply to --model " + m.name + " (only to " + orList(owners) + ")\n"
			if code != 2 || stderr != want {
				t.Errorf("--model %s --%s: exit code %d, stderr %q; want 2, %q", m.name, name, code, stderr, want)
			}
		}
	}
}

// TestFitEstimatorNames: --estimator takes the library's names, and an
// unknown one gets the library's error (which lists them).
func TestFitEstimatorNames(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data.csv")
	writeFile(t, data, goodCSV)
	_, libErr := bbvi.EstimatorByName("reinforce")
	if libErr == nil {
		t.Fatal("bbvi knows an estimator called reinforce")
	}
	code, _, stderr := runCLI(t, false, "fit", "--model", "linear", "--data", data, "--target", "y", "--estimator", "reinforce")
	if code != 2 || stderr != "vigor fit: --estimator: "+libErr.Error()+"\n" {
		t.Errorf("exit code %d, stderr %q; want 2 and the library's error %q", code, stderr, libErr)
	}
	for _, name := range []string{"reparam", "score-optimal"} {
		est, err := bbvi.EstimatorByName(name)
		if err != nil {
			t.Fatal(err)
		}
		code, stdout, stderr := runCLI(t, false, "fit", "--model", "linear", "--data", data, "--target", "y",
			"--estimator", name, "--steps", "20", "--tol", "0", "--quiet")
		if code != 0 {
			t.Fatalf("--estimator %s: exit code %d, stderr %q", name, code, stderr)
		}
		if want := `"estimator": "` + est.Name() + `"`; !strings.Contains(stdout, want) {
			t.Errorf("--estimator %s: the report lacks %s", name, want)
		}
	}
}
