package graph

import (
	"fmt"
	"hash"
	"hash/fnv"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// The shape ops below always write a fresh output buffer. Gorgonia's own reshape,
// slice and broadcast ops return views that its register allocator may later
// overwrite in place, silently corrupting the parameter or data they view; these
// do not.

// shapeOp is a copying op with one tensor input and a fixed output shape.
type shapeOp struct {
	kind string       // "reshape", "bcast", "sumto", "cols", "padcols"
	in   tensor.Shape // input shape
	out  tensor.Shape // output shape
	from int          // for cols/padcols: first column
}

func newShapeOp(kind string, in, out []int, from int) *shapeOp {
	return &shapeOp{kind: kind, in: tensor.Shape(append([]int{}, in...)), out: tensor.Shape(append([]int{}, out...)), from: from}
}

func (op *shapeOp) Arity() int { return 1 }
func (op *shapeOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	return hm.NewFnType(G.TensorType{Dims: len(op.in), Of: a}, G.TensorType{Dims: len(op.out), Of: a})
}
func (op *shapeOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	return op.out.Clone(), nil
}
func (op *shapeOp) Do(vals ...G.Value) (G.Value, error) {
	in, ok := vals[0].(tensor.Tensor)
	if !ok {
		return nil, fmt.Errorf("graph: %s: input is %T, not a tensor", op.kind, vals[0])
	}
	out := tensor.New(tensor.Of(in.Dtype()), tensor.WithShape(op.out.Clone()...))
	return out, op.into(out, in)
}

// UsePreallocDo reuses the output buffer between runs.
func (op *shapeOp) UsePreallocDo(prealloc G.Value, vals ...G.Value) (G.Value, error) {
	out, ok := prealloc.(tensor.Tensor)
	in, ok2 := vals[0].(tensor.Tensor)
	if !ok || !ok2 || out.Dtype() != in.Dtype() || out.Shape().TotalSize() != op.out.TotalSize() {
		return op.Do(vals...)
	}
	return out, op.into(out, in)
}

func (op *shapeOp) into(out, in tensor.Tensor) error {
	if in.Shape().TotalSize() != op.in.TotalSize() {
		return fmt.Errorf("graph: %s: input has shape %v, want %v", op.kind, in.Shape(), op.in)
	}
	if d, ok := in.(*tensor.Dense); ok && d.IsView() {
		in = d.Materialize()
	}
	if src, ok := floats64(in); ok {
		if dst, ok := floats64(out); ok {
			shapeKernel(op, dst, src)
			return nil
		}
	} else if src, ok := floats32(in); ok {
		if dst, ok := floats32(out); ok {
			shapeKernel(op, dst, src)
			return nil
		}
	}
	return fmt.Errorf("graph: %s: unsupported dtypes %v, %v", op.kind, in.Dtype(), out.Dtype())
}

// strides returns row-major strides for shape s, with stride 0 on axes where
// s has size 1 and ref has more (broadcast axes).
func strides(s, ref []int) []int {
	st := make([]int, len(s))
	acc := 1
	for i := len(s) - 1; i >= 0; i-- {
		st[i] = acc
		if s[i] == 1 && ref[i] != 1 {
			st[i] = 0
		}
		acc *= s[i]
	}
	return st
}

func shapeKernel[T float32 | float64](op *shapeOp, dst, src []T) {
	switch op.kind {
	case "reshape":
		copy(dst, src)
	case "bcast", "sumto":
		big := []int(op.out)
		small := []int(op.in)
		sum := op.kind == "sumto"
		if sum {
			big, small = small, big
			clear(dst)
		}
		st := strides(small, big)
		n := len(big)
		last, lastStride := big[n-1], st[n-1]
		var idxBuf [8]int
		idx := idxBuf[:n-1]
		if n-1 > len(idxBuf) {
			idx = make([]int, n-1)
		}
		// Walk the rows of big (all axes but the last); each row is a
		// contiguous run in big and either a contiguous run or a single
		// (broadcast) value in small.
		for k := 0; ; k += last {
			off := 0
			for i, v := range idx {
				off += v * st[i]
			}
			switch {
			case !sum && lastStride != 0:
				copy(dst[k:k+last], src[off:off+last])
			case !sum:
				v := src[off]
				row := dst[k : k+last]
				for j := range row {
					row[j] = v
				}
			case lastStride != 0:
				row, acc := src[k:k+last], dst[off:off+last]
				for j, v := range row {
					acc[j] += v
				}
			default:
				var t T
				for _, v := range src[k : k+last] {
					t += v
				}
				dst[off] += t
			}
			i := n - 2
			for ; i >= 0; i-- {
				idx[i]++
				if idx[i] < big[i] {
					break
				}
				idx[i] = 0
			}
			if i < 0 {
				return
			}
		}
	case "cols":
		rows, c, w := op.in[0], op.in[1], op.out[1]
		for r := 0; r < rows; r++ {
			copy(dst[r*w:(r+1)*w], src[r*c+op.from:r*c+op.from+w])
		}
	case "padcols":
		rows, w, c := op.in[0], op.in[1], op.out[1]
		clear(dst)
		for r := 0; r < rows; r++ {
			copy(dst[r*c+op.from:r*c+op.from+w], src[r*w:(r+1)*w])
		}
	}
}

func (op *shapeOp) ReturnsPtr() bool     { return false }
func (op *shapeOp) CallsExtern() bool    { return false }
func (op *shapeOp) OverwritesInput() int { return -1 }
func (op *shapeOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "vigor.%s%v->%v@%d", op.kind, op.in, op.out, op.from)
}
func (op *shapeOp) Hashcode() uint32 {
	h := fnv.New32a()
	op.WriteHash(h)
	return h.Sum32()
}
func (op *shapeOp) String() string       { return fmt.Sprintf("%s%v->%v", op.kind, op.in, op.out) }
func (op *shapeOp) DiffWRT(n int) []bool { return []bool{true} }
func (op *shapeOp) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	var back *shapeOp
	switch op.kind {
	case "reshape":
		back = newShapeOp("reshape", op.out, op.in, 0)
	case "bcast":
		back = newShapeOp("sumto", op.out, op.in, 0)
	case "sumto":
		back = newShapeOp("bcast", op.out, op.in, 0)
	case "cols":
		back = newShapeOp("padcols", op.out, op.in, op.from)
	case "padcols":
		back = newShapeOp("cols", op.out, op.in, op.from)
	}
	n, err := G.ApplyOp(back, grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{n}, nil
}

func (b *Builder) shapeOp(kind string, x *Node, out []int, from int) *Node {
	n, err := G.ApplyOp(newShapeOp(kind, x.n.Shape(), out, from), x.n)
	return b.keep(kind, n, err)
}
