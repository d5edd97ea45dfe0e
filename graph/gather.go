package graph

import (
	"errors"
	"fmt"
	"hash"
	"hash/fnv"
	"sort"
	"strconv"
	"strings"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Index is an integer input of a graph: one group number in [0, Groups) per
// data row, such as the school, county or subject each row belongs to. Gather
// reads it on every run, like an Input: write new indices (a new minibatch)
// with Set or into the buffer returned by Ints between runs. Its length is
// fixed when it is made. An Index is made by Builder.IndexInput; the zero
// Index is not usable.
type Index struct {
	name   string
	id     int
	groups int
	vals   []int
}

// IndexInput returns an Index of n rows, each a group number in [0, groups),
// all 0 at first. name is used in error messages and by Builder.Index, so it
// must be unique among the builder's indexes. n and groups must be positive
// (otherwise, or for a name taken, the builder records an error and
// IndexInput returns nil).
func (b *Builder) IndexInput(name string, n, groups int) *Index {
	if b.err != nil {
		return nil
	}
	if n <= 0 || groups <= 0 {
		b.Failf("graph: IndexInput %q: %d rows of %d groups, want both positive", name, n, groups)
		return nil
	}
	if b.idx[name] != nil {
		b.Failf("graph: IndexInput %q: an index of that name exists", name)
		return nil
	}
	b.n++
	ix := &Index{name: name, id: b.n, groups: groups, vals: make([]int, n)}
	if b.idx == nil {
		b.idx = map[string]*Index{}
	}
	b.idx[name] = ix
	return ix
}

// Index returns the Index made by IndexInput with the given name, for code
// that receives the builder but not the index itself: a model whose integer
// data arrays (bbvi.Array with Groups set) the fit turned into indexes reads
// them as b.Index("county"). An unknown name is an error recorded in the
// builder, naming the indexes there are (Index returns nil).
func (b *Builder) Index(name string) *Index {
	if b.err != nil {
		return nil
	}
	if ix := b.idx[name]; ix != nil {
		return ix
	}
	names := make([]string, 0, len(b.idx))
	for n := range b.idx {
		names = append(names, strconv.Quote(n))
	}
	sort.Strings(names)
	have := "there are none"
	if len(names) > 0 {
		have = "there are " + strings.Join(names, ", ")
	}
	b.Failf("graph: Index(%q): no integer index of that name (%s)", name, have)
	return nil
}

// Name returns the name given to IndexInput.
func (ix *Index) Name() string { return ix.name }

// Len returns the number of rows.
func (ix *Index) Len() int { return len(ix.vals) }

// Groups returns the number of groups: every index is in [0, Groups).
func (ix *Index) Groups() int { return ix.groups }

// Set copies vals into the index. It returns an error, and changes nothing,
// if len(vals) differs from Len or a value is outside [0, Groups).
func (ix *Index) Set(vals []int) error {
	if len(vals) != len(ix.vals) {
		return fmt.Errorf("graph: Index %s: %d values for %d rows", ix.name, len(vals), len(ix.vals))
	}
	for i, v := range vals {
		if v < 0 || v >= ix.groups {
			return fmt.Errorf("graph: Index %s: row %d is group %d, want 0 to %d", ix.name, i, v, ix.groups-1)
		}
	}
	copy(ix.vals, vals)
	return nil
}

// Ints returns the index's own buffer, shared rather than copied: writing
// into it changes what the next run reads, with no allocation. Every value
// must stay in [0, Groups); a run that meets one outside fails with an error.
func (ix *Index) Ints() []int { return ix.vals }

// Gather picks, for each data row i, the parameters of its group idx[i],
// keeping the leading draw axis:
//
//	params (S, G)    → out (S, B),    out[s, i]    = params[s, idx[i]]
//	params (S, G, K) → out (S, B, K), out[s, i, k] = params[s, idx[i], k]
//
// where B = idx.Len() and G = idx.Groups(). The output is in the (draws,
// rows) layout of the package documentation, so it combines directly with
// data rows made by PerRow. Group-level data without a draw axis are passed
// with a leading axis of 1, (1, G) or (1, G, K), giving (1, B) or (1, B, K).
//
// The gradient is the scatter-add of the incoming gradient g onto the groups,
//
//	∂L/∂params[s, j, k] = Σ_{i: idx[i] = j} g[s, i, k],
//
// computed in one pass over the rows: O(S·B·K) time, with no one-hot matrix,
// so thousands of groups cost no more than a few. The index itself gets no
// gradient. A nil idx, or params of another shape, is an error recorded in
// the builder (Gather returns nil).
func (b *Builder) Gather(params *Node, idx *Index) *Node {
	if !b.ok(params) {
		return nil
	}
	if idx == nil {
		b.Failf("graph: Gather(params %v, idx nil): nil index", params.Shape())
		return nil
	}
	ps := params.Shape()
	if (len(ps) != 2 && len(ps) != 3) || ps[1] != idx.groups {
		b.Failf("graph: Gather(params %v, idx %s): want params (S, %d) or (S, %d, K), a draw axis then the %d groups of %s",
			ps, describeArg(idx), idx.groups, idx.groups, idx.groups, idx.name)
		return nil
	}
	n, err := G.ApplyOp(newGatherOp(false, idx, ps), params.n)
	return b.keep("Gather", n, err)
}

// gatherOp is Gather (scatter = false: (S, G[, K]) → (S, B[, K])) or its
// gradient, the scatter-add (scatter = true: (S, B[, K]) → (S, G[, K])).
type gatherOp struct {
	scatter bool
	idx     *Index
	s, k    int // draws and trailing width (1 for matrices)
	dims    int // 2 or 3
}

// newGatherOp returns the op whose input has the given shape: (S, G[, K]) for
// a gather, (S, B[, K]) for a scatter.
func newGatherOp(scatter bool, idx *Index, in Shape) *gatherOp {
	k := 1
	if len(in) == 3 {
		k = in[2]
	}
	return &gatherOp{scatter: scatter, idx: idx, s: in[0], k: k, dims: len(in)}
}

func (op *gatherOp) outShape() tensor.Shape {
	rows := len(op.idx.vals)
	if op.scatter {
		rows = op.idx.groups
	}
	if op.dims == 3 {
		return tensor.Shape{op.s, rows, op.k}
	}
	return tensor.Shape{op.s, rows}
}

func (op *gatherOp) Arity() int { return 1 }
func (op *gatherOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	t := G.TensorType{Dims: op.dims, Of: a}
	return hm.NewFnType(t, t)
}
func (op *gatherOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	return op.outShape(), nil
}

func (op *gatherOp) Do(vals ...G.Value) (G.Value, error) {
	in, ok := vals[0].(tensor.Tensor)
	if !ok {
		return nil, fmt.Errorf("%v: input is %T, not a tensor", op, vals[0])
	}
	out := tensor.New(tensor.Of(in.Dtype()), tensor.WithShape(op.outShape()...))
	return out, op.into(out, in)
}

// UsePreallocDo reuses the output buffer between runs.
func (op *gatherOp) UsePreallocDo(prealloc G.Value, vals ...G.Value) (G.Value, error) {
	out, ok := prealloc.(tensor.Tensor)
	in, ok2 := vals[0].(tensor.Tensor)
	if !ok || !ok2 || out.Dtype() != in.Dtype() || out.Shape().TotalSize() != op.outShape().TotalSize() {
		return op.Do(vals...)
	}
	return out, op.into(out, in)
}

func (op *gatherOp) into(out, in tensor.Tensor) error {
	if d, ok := in.(*tensor.Dense); ok && d.IsView() {
		in = d.Materialize()
	}
	for i, g := range op.idx.vals {
		if g < 0 || g >= op.idx.groups {
			return fmt.Errorf("%v: row %d of index %s is group %d, want 0 to %d", op, i, op.idx.name, g, op.idx.groups-1)
		}
	}
	switch src := in.Data().(type) {
	case []float64:
		gatherKernel(op, out.Data().([]float64), src)
	case []float32:
		gatherKernel(op, out.Data().([]float32), src)
	default:
		return fmt.Errorf("%v: unsupported dtype %v", op, in.Dtype())
	}
	return nil
}

func gatherKernel[T float32 | float64](op *gatherOp, dst, src []T) {
	idx, k := op.idx.vals, op.k
	rows, groups := len(idx), op.idx.groups
	if !op.scatter {
		for s := 0; s < op.s; s++ {
			p, o := src[s*groups*k:(s+1)*groups*k], dst[s*rows*k:(s+1)*rows*k]
			if k == 1 {
				for i, g := range idx {
					o[i] = p[g]
				}
				continue
			}
			for i, g := range idx {
				copy(o[i*k:(i+1)*k], p[g*k:(g+1)*k])
			}
		}
		return
	}
	clear(dst)
	for s := 0; s < op.s; s++ {
		g, acc := src[s*rows*k:(s+1)*rows*k], dst[s*groups*k:(s+1)*groups*k]
		if k == 1 {
			for i, j := range idx {
				acc[j] += g[i]
			}
			continue
		}
		for i, j := range idx {
			row, a := g[i*k:(i+1)*k], acc[j*k:(j+1)*k]
			for c, v := range row {
				a[c] += v
			}
		}
	}
}

func (op *gatherOp) ReturnsPtr() bool     { return false }
func (op *gatherOp) CallsExtern() bool    { return false }
func (op *gatherOp) OverwritesInput() int { return -1 }
func (op *gatherOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "vigor.gather(scatter=%v,idx#%d,%d,%d,%d)", op.scatter, op.idx.id, op.s, op.k, op.dims)
}
func (op *gatherOp) Hashcode() uint32 {
	h := fnv.New32a()
	op.WriteHash(h)
	return h.Sum32()
}
func (op *gatherOp) String() string {
	if op.scatter {
		return "ScatterAdd[" + op.idx.name + "]"
	}
	return "Gather[" + op.idx.name + "]"
}
func (op *gatherOp) DiffWRT(n int) []bool { return []bool{true} }

// SymDiff: the gradient of a gather is the scatter-add of the incoming
// gradient, and that of a scatter-add is the gather.
func (op *gatherOp) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	gs := grad.Shape()
	if len(gs) != op.dims {
		return nil, errors.New("graph: gather: gradient of the wrong rank")
	}
	back := newGatherOp(!op.scatter, op.idx, Shape(gs))
	n, err := G.ApplyOp(back, grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{n}, nil
}
