package graph

import (
	"errors"
	"testing"
)

func TestCallErrorNamesTheCall(t *testing.T) {
	cases := []struct {
		name  string
		build func(b *Builder) *Node
		want  string
	}{
		{"density", func(b *Builder) *Node {
			return b.NormalLogProb(b.Input("x", 10), b.Input("mu", 8), b.Scalar(1))
		}, "graph: NormalLogProb(x (10), loc (8), scale ()): shapes do not broadcast"},
		{"nil argument", func(b *Builder) *Node {
			return b.GammaLogProb(b.Input("x", 3), nil, b.Scalar(1))
		}, "graph: GammaLogProb(x (3), shape nil, rate ()): nil node (an earlier step failed outside this builder)"},
		{"KL", func(b *Builder) *Node {
			return b.KLNormal(b.Input("m", 4, 3), b.Input("s", 4, 3), b.Scalar(0), b.Input("t", 2))
		}, "graph: KLNormal(mu1 (4, 3), sd1 (4, 3), mu2 (), sd2 (2)): shapes do not broadcast"},
		{"AddN", func(b *Builder) *Node {
			return b.AddN(b.Input("a", 3), b.Input("b", 3), b.Input("c", 2, 4))
		}, "graph: AddN(xs [(3), (3), (2, 4)]): shapes do not broadcast"},
		// An op called directly names itself and its shapes, as before.
		{"plain op", func(b *Builder) *Node {
			return b.Sub(b.Input("x", 10), b.Input("mu", 8))
		}, "graph: Sub: shapes (10) and (8) do not broadcast"},
		// A method's own argument check is not wrapped again.
		{"own check", func(b *Builder) *Node {
			return b.CategoricalLogitsLogProb(b.Scalar(1), b.Input("l", 3))
		}, "graph: CategoricalLogitsLogProb: shapes () and (3) need a category axis"},
	}
	for _, c := range cases {
		b := NewBuilder(Float64)
		if n := c.build(b); n != nil {
			t.Errorf("%s: got a node", c.name)
		}
		err := b.Err()
		if err == nil || err.Error() != c.want {
			t.Errorf("%s:\n got %v\nwant %s", c.name, err, c.want)
		}
	}
}

func TestCallErrorUnwraps(t *testing.T) {
	b := NewBuilder(Float32)
	b.StudentTLogProb(b.Input("x", 5, 2), b.Scalar(3), b.Input("loc", 3), b.Scalar(1))
	err := b.Err()
	var ce *CallError
	if !errors.As(err, &ce) || ce.Call != "StudentTLogProb(x (5, 2), nu (), loc (3), scale ())" {
		t.Fatalf("got %v, want a CallError naming StudentTLogProb", err)
	}
	if !errors.Is(err, ErrBroadcast) {
		t.Error("errors.Is(err, ErrBroadcast) = false")
	}
	// The inner error still names the internal op.
	if ce.Err.Error() != "graph: Sub: shapes (5, 2) and (3) do not broadcast" {
		t.Errorf("inner error %q", ce.Err)
	}
	// The builder keeps its first error: later calls change nothing.
	b.NormalLogProb(b.Input("y", 2), b.Input("m", 3), b.Scalar(1))
	if b.Err() != err {
		t.Errorf("first error replaced by %v", b.Err())
	}
}
