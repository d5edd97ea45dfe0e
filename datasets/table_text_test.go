package datasets

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
)

// TestTextColumns: a column named in CSVLimits.Text is kept as trimmed text,
// NaN in Rows; an empty cell in it, or a text column that does not exist,
// is an error naming the file, line and column.
func TestTextColumns(t *testing.T) {
	src := "x,county,y\n1, north ,2\n\n3,South,4\n5,7,6\n"
	tab, err := ParseCSVLimits(strings.NewReader(src), "d.csv", CSVLimits{Text: []string{"county"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := tab.Text["county"]; !slices.Equal(got, []string{"north", "South", "7"}) {
		t.Errorf("text %q", got)
	}
	if !math.IsNaN(tab.Rows[0][1]) || tab.Rows[2][2] != 6 {
		t.Errorf("rows %v", tab.Rows)
	}
	if tab.Line(1) != 4 {
		t.Errorf("line of row 1: %d, want 4 (after a blank line)", tab.Line(1))
	}
	_, err = ParseCSVLimits(strings.NewReader("x,g\n1,a\n2,  \n"), "d.csv", CSVLimits{Text: []string{"g"}})
	if err == nil || err.Error() != `d.csv:3:2 (column "g"): empty cell` {
		t.Errorf("empty text cell: %v", err)
	}
	_, err = ParseCSVLimits(strings.NewReader("x,g\n1,a\n"), "d.csv", CSVLimits{Text: []string{"h"}})
	if !errors.Is(err, ErrNoColumn) {
		t.Errorf("missing text column: %v", err)
	}
	// Without Text, the same file is an error at the first text cell.
	_, err = ParseCSV(strings.NewReader("x,g\n1,a\n"), "d.csv")
	if !errors.Is(err, ErrNotNumber) {
		t.Errorf("numeric read: %v", err)
	}
}

// TestCheckCounts checks CheckCounts and CheckAtMost and their positions.
func TestCheckCounts(t *testing.T) {
	tab, err := ParseCSV(strings.NewReader("n,y,z\n3,2,0\n4,4,1.5\n2,3,-1\n"), "c.csv")
	if err != nil {
		t.Fatal(err)
	}
	if err := tab.CheckCounts("y"); err != nil {
		t.Errorf("counts: %v", err)
	}
	for _, c := range []struct {
		err  error
		want string
	}{
		{tab.CheckCounts("z"), `c.csv:3:3 (column "z"): 1.5 is not a count (a whole number ≥ 0)`},
		{tab.CheckAtMost("y", "n"), `c.csv:4:2 (column "y"): 3 is more than n = 2`},
	} {
		if c.err == nil || c.err.Error() != c.want || !errors.Is(c.err, ErrNotCount) {
			t.Errorf("error %v, want %q", c.err, c.want)
		}
	}
	if err := tab.CheckAtMost("y", "q"); !errors.Is(err, ErrNoColumn) {
		t.Errorf("missing limit column: %v", err)
	}
}
