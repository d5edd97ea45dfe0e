package graph

// The helpers below put data and latent draws into the package's one layout
// for per-row quantities, (draws, rows) = (S, B); see the package
// documentation.

// PerRow returns data with one entry per row, of shape (B) or (B, K…), as
// (1, B) or (1, B, K…): a leading axis of 1 that broadcasts against the draw
// axis. With z of shape (S, 1),
//
//	b.Mul(z, b.PerRow(x))   // (S, 1) · (1, B) → (S, B)
//
// whatever the batch size B, including B = S. It is a copying reshape (see
// Reshape). x must have at least one axis.
func (b *Builder) PerRow(x *Node) *Node {
	if !b.ok(x) {
		return nil
	}
	if x.IsScalar() {
		b.Failf("graph: PerRow of a scalar: want data with a row axis, (B) or (B, K)")
		return nil
	}
	return b.Reshape(x, append([]int{1}, x.Shape()...)...)
}

// PerDraw returns a per-draw quantity of shape (S) or (S, K…) as (S, 1) or
// (S, 1, K…): an axis of 1 after the draw axis that broadcasts against the
// rows. It turns the per-draw result of an earlier sum, or a per-draw vector
// of K mixture weights, into something that combines with per-row terms of
// shape (S, B) or (S, B, K):
//
//	b.Add(b.PerDraw(b.Sum(u, 1)), rows)   // (S, 1) + (S, B) → (S, B)
//
// A latent of size 1 already arrives as (S, 1) and needs no PerDraw; use
// Cols(z, j, j+1) for one component of a vector latent, also (S, 1). It is a
// copying reshape (see Reshape). x must have at least one axis.
func (b *Builder) PerDraw(x *Node) *Node {
	if !b.ok(x) {
		return nil
	}
	if x.IsScalar() {
		b.Failf("graph: PerDraw of a scalar: want a quantity with a draw axis, (S) or (S, K)")
		return nil
	}
	s := x.Shape()
	return b.Reshape(x, append([]int{s[0], 1}, s[1:]...)...)
}
