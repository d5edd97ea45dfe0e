package main

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/vigor-ml/vigor/datasets"
)

// TestDataCache builds, keeps and rebuilds a cache, in a --cache-dir too.
func TestDataCache(t *testing.T) {
	dir := t.TempDir()
	csv := filepath.Join(dir, "d.csv")
	writeFile(t, csv, "a,b\n1,2\n3,4\n")
	code, out, errs := runCLI(t, false, "data", "cache", "--data", csv)
	if code != 0 || !strings.Contains(out, "d.csv.vcache: 2 rows, 2 columns") || !strings.Contains(out, "(built)") || !strings.Contains(errs, "building the cache") {
		t.Fatalf("build: %d %q %q", code, out, errs)
	}
	code, out, _ = runCLI(t, false, "data", "cache", "--data", csv)
	if code != 0 || !strings.Contains(out, "(fresh, kept)") {
		t.Fatalf("again: %d %q", code, out)
	}
	writeFile(t, csv, "a,b\n1,2\n3,4\n5,6\n")
	code, out, errs = runCLI(t, false, "data", "cache", "--data", csv)
	if code != 0 || !strings.Contains(out, "3 rows") || !strings.Contains(errs, "stale") {
		t.Fatalf("stale: %d %q %q", code, out, errs)
	}
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	if code, out, _ = runCLI(t, false, "data", "cache", "--data", csv, "--cache-dir", sub); code != 0 || !strings.Contains(out, filepath.Join(sub, "d.csv.vcache")) {
		t.Fatalf("--cache-dir: %d %q", code, out)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"data", "cache"}, "--data is required"},
		{[]string{"data", "cache", "--data", filepath.Join(dir, "nope.csv")}, "nope.csv: cannot open"},
		{[]string{"data", "cache", "--data", csv, "--cache-dir", csv}, "is not a directory"},
	} {
		code, _, errs := runCLI(t, false, tc.args...)
		if code != 2 || !strings.Contains(errs, tc.want) || strings.Count(errs, "\n") != 1 {
			t.Errorf("%v: exit %d, %q, want %q", tc.args, code, errs, tc.want)
		}
	}
}

// TestFitCache fits from the cache: the same numbers as from the CSV, and
// bad input through the cache is refused as from the CSV.
func TestFitCache(t *testing.T) {
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(1, 2))
	X, y := datasets.LogisticData(rng, 500, []float64{1, -0.5}, 0.2, 0.3)
	csv := filepath.Join(dir, "d.csv")
	writeTable(t, csv, X, y)
	fit := func(extra ...string) map[string]any {
		t.Helper()
		args := append([]string{"fit", "--model", "logistic", "--data", csv, "--target", "y", "--quiet", "--steps", "3000"}, extra...)
		code, out, errs := runCLI(t, false, args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errs)
		}
		var doc map[string]any
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatal(err)
		}
		return doc
	}
	for _, batch := range []string{"0", "100"} {
		a, b := fit("--batch", batch), fit("--batch", batch, "--cache")
		if !reflect.DeepEqual(a["mean"], b["mean"]) || !reflect.DeepEqual(a["sd"], b["sd"]) {
			t.Errorf("--batch %s: --cache gives %v %v, the CSV %v %v", batch, b["mean"], b["sd"], a["mean"], a["sd"])
		}
	}
	if _, err := os.Stat(csv + ".vcache"); err != nil {
		t.Fatal(err)
	}
	// --plain-batches leaves out the anchored control variate: another fit,
	// from the cache as from the CSV.
	anchored, plain := fit("--batch", "100"), fit("--batch", "100", "--plain-batches")
	if reflect.DeepEqual(anchored["mean"], plain["mean"]) {
		t.Errorf("--plain-batches gives the same means as the anchored fit: %v", anchored["mean"])
	}
	if c := fit("--batch", "100", "--plain-batches", "--cache"); !reflect.DeepEqual(c["mean"], plain["mean"]) {
		t.Errorf("--plain-batches: --cache gives %v, the CSV %v", c["mean"], plain["mean"])
	}

	// A damaged block: exit 2, naming the block and the column.
	b, err := os.ReadFile(csv + ".vcache")
	if err != nil {
		t.Fatal(err)
	}
	b[16+8*500+3] ^= 1 // column x2, row 0
	writeFile(t, csv+".vcache", string(b))
	code, _, errs := runCLI(t, false, "fit", "--model", "logistic", "--data", csv, "--target", "y", "--cache", "--quiet")
	if code != 2 || !strings.Contains(errs, `block 0 (rows 1 to 4096), column "x2": checksum mismatch`) || strings.Count(errs, "\n") != 1 {
		t.Errorf("damaged cache: exit %d, %q", code, errs)
	}

	// A target that is not 0/1, found in the cache, named by its CSV line.
	bad := filepath.Join(dir, "bad.csv")
	writeFile(t, bad, "x,y\n1,0\n\n2,1\n3,2\n")
	code, _, errs = runCLI(t, false, "fit", "--model", "logistic", "--data", bad, "--target", "y", "--cache", "--quiet")
	if code != 2 || !strings.Contains(errs, `bad.csv:5:2 (column "y"): 2 is not 0 or 1`) {
		t.Errorf("non-binary target: exit %d, %q", code, errs)
	}
	// A stale cache is rebuilt, and says so.
	later := time.Now().Add(time.Hour)
	writeFile(t, bad, "x,y\n1,0\n\n2,1\n3,1\n")
	os.Chtimes(bad, later, later)
	code, _, errs = runCLI(t, false, "fit", "--model", "logistic", "--data", bad, "--target", "y", "--cache")
	if code != 0 || !strings.Contains(errs, "stale") || !strings.Contains(errs, "rebuilding it") {
		t.Errorf("stale cache: exit %d, %q", code, errs)
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"fit", "--model", "gmm", "--k", "2", "--data", csv, "--cache"}, "--cache does not apply to --model gmm"},
		{[]string{"fit", "--model", "logistic", "--data", csv, "--target", "y", "--cache-dir", dir}, "--cache-dir goes with --cache"},
		{[]string{"fit", "--model", "logistic", "--data", csv, "--target", "nope", "--cache"}, `no such column`},
		{[]string{"fit", "--model", "logistic", "--data", csv, "--target", "y", "--features", "x1,x1", "--cache"}, "listed twice"},
	} {
		code, _, errs := runCLI(t, false, tc.args...)
		if code != 2 || !strings.Contains(errs, tc.want) || strings.Count(errs, "\n") != 1 {
			t.Errorf("%v: exit %d, %q, want %q", tc.args, code, errs, tc.want)
		}
	}
}
