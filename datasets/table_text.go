package datasets

import (
	"fmt"
	"math"
	"strconv"
)

// textColumns returns, for the header just read, which columns are read as
// text, and makes their slices in t.Text. A name that is not a column is an
// error.
func (t *Table) textColumns(names []string) ([]bool, error) {
	text := make([]bool, len(t.Columns))
	if len(names) == 0 {
		return text, nil
	}
	t.Text = map[string][]string{}
	for _, name := range names {
		j, err := t.Index(name)
		if err != nil {
			return nil, err
		}
		text[j] = true
		t.Text[name] = []string{}
	}
	return text, nil
}

// Line returns the 1-based file line of data row i (0-based), for error
// messages about a row.
func (t *Table) Line(i int) int { return t.rowLine(i) }

// CheckCounts checks that every value in the named column is a whole number
// ≥ 0, as count targets must be. It returns a *TableError naming the first
// offending line and column (wrapping ErrNotCount), or the error of Index.
func (t *Table) CheckCounts(name string) error {
	return t.checkEach(name, func(v float64) string {
		if v < 0 || v != math.Trunc(v) {
			return strconv.FormatFloat(v, 'g', -1, 64) + " is not a count (a whole number ≥ 0)"
		}
		return ""
	})
}

// CheckAtMost checks that every value of column name is at most the value
// of column limit in the same row (successes within their trials, say). It
// returns a *TableError naming the first offending line and column (wrapping
// ErrNotCount), or the error of Index.
func (t *Table) CheckAtMost(name, limit string) error {
	k, err := t.Index(limit)
	if err != nil {
		return err
	}
	i := 0
	return t.checkEach(name, func(v float64) string {
		row := t.Rows[i]
		i++
		if k < len(row) && v > row[k] {
			return fmt.Sprintf("%s is more than %s = %s", strconv.FormatFloat(v, 'g', -1, 64), limit, strconv.FormatFloat(row[k], 'g', -1, 64))
		}
		return ""
	})
}

// checkEach calls bad on every value of the named column, in row order, and
// returns a *TableError at the first for which it returns a message.
func (t *Table) checkEach(name string, bad func(v float64) string) error {
	j, err := t.Index(name)
	if err != nil {
		return err
	}
	for i, row := range t.Rows {
		if err := t.checkRow(i, j); err != nil {
			return err
		}
		if msg := bad(row[j]); msg != "" {
			return &TableError{File: t.Source, Line: t.rowLine(i), Column: j + 1, Field: name, Msg: msg, Err: ErrNotCount}
		}
	}
	return nil
}
