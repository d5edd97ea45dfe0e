package gemm

import (
	"sync"
	"unsafe"

	"github.com/vigor-ml/vigor/internal/parallel"
)

// packPiece is the size in bytes of the pieces in which the goroutines of a
// shared split pack the shared operand (about 16 KiB each, so that all of
// them share the work).
const packPiece = 16 << 10

// job is one parallel call, run as numbered tasks on internal/parallel's
// pool. When the operand that is not split (op(A) when splitting the columns
// of C, op(B) when splitting the rows) fits in MaxShared, tasks [0, packs)
// pack pieces of it into shared and tasks [packs, packs+chunks) compute
// chunks of C, each first waiting until all of shared is packed and packing
// its part of the other operand privately. Otherwise (static) the tasks
// compute w blocks of whole tiles, each packing what it needs. Tasks are
// claimed in order, so every pack task is claimed before any chunk task and
// the wait cannot deadlock.
type job[T Float] struct {
	p      product[T]
	splitN bool // split the columns of C (else its rows)

	// Static split (static is true): C is cut into w blocks of whole tiles.
	static bool
	w      int

	shared    []T
	sharedLd  int // padded size of the shared dimension (multiple of the tile)
	packs     int // pieces to pack: kc blocks × groups of micro-panels
	groups    int // groups of micro-panels per kc block
	groupSize int // tiles per group
	packWG    sync.WaitGroup

	chunks    int
	chunkSize int // tiles per chunk
}

// runParallel computes the product on w goroutines, one of them the caller.
func (p *product[T]) runParallel(w int) {
	kern, nr := p.kern, p.kern.NR
	jb, ok := kern.jobs.Get().(*job[T])
	if !ok {
		jb = new(job[T])
	}
	jb.p = *p
	jb.w = w
	jb.splitN = p.n >= p.m
	sharedRows, tile, sharedTile := p.n, MR, nr // split M: share op(B)
	if jb.splitN {
		sharedRows, tile, sharedTile = p.m, nr, MR
	}
	jb.sharedLd = RoundUp(sharedRows, sharedTile)
	jb.static = jb.sharedLd*p.k > p.blk.MaxShared
	jb.packs = 0
	if jb.static {
		jb.chunks = w
	} else {
		if cap(jb.shared) < jb.sharedLd*p.k {
			jb.shared = AlignedSlice[T](jb.sharedLd * p.k)
		}
		jb.shared = jb.shared[:jb.sharedLd*p.k]
		jb.groupSize = max(1, packPiece/int(unsafe.Sizeof(T(0)))/(sharedTile*p.kc))
		sharedTiles := jb.sharedLd / sharedTile
		jb.groups = (sharedTiles + jb.groupSize - 1) / jb.groupSize
		jb.packs = jb.groups * ((p.k + p.kc - 1) / p.kc)
		jb.packWG.Add(jb.packs)
		// About four chunks per goroutine, each at least two tiles wide.
		size := p.m
		if jb.splitN {
			size = p.n
		}
		tiles := (size + tile - 1) / tile
		jb.chunkSize = max(2, (tiles+4*w-1)/(4*w))
		// A chunk's private panel should stay within its cache block.
		if jb.splitN {
			jb.chunkSize = min(jb.chunkSize, p.blk.NC/nr)
		} else {
			jb.chunkSize = min(jb.chunkSize, p.blk.MC/MR)
		}
		jb.chunks = (tiles + jb.chunkSize - 1) / jb.chunkSize
	}
	parallel.Run(jb.packs+jb.chunks, w, jb)
	// Run returns once every task is done, and goroutines that arrive
	// later do not touch jb: it can be recycled now.
	jb.p = product[T]{}
	kern.jobs.Put(jb)
}

// RunTask runs task t of the job (see job).
func (jb *job[T]) RunTask(_, t int) {
	if t < jb.packs {
		jb.packShared(t)
		jb.packWG.Done()
		return
	}
	t -= jb.packs
	ws := jb.p.kern.getWorkspace()
	if jb.static {
		jb.computeStatic(t, ws)
	} else {
		jb.packWG.Wait()
		jb.computeShared(t, ws)
	}
	jb.p.kern.workspaces.Put(ws)
}

// computeStatic computes block t of a statically split job.
func (jb *job[T]) computeStatic(t int, ws *Workspace[T]) {
	p := &jb.p
	tile, size := MR, p.m
	if jb.splitN {
		tile, size = p.kern.NR, p.n
	}
	tiles := (size + tile - 1) / tile
	bound := func(t int) int { return min(size, tiles*t/jb.w*tile) }
	if jb.splitN {
		p.compute(0, p.m, bound(t), bound(t+1), ws)
	} else {
		p.compute(bound(t), bound(t+1), 0, p.n, ws)
	}
}

// packShared packs piece t of the shared operand.
func (jb *job[T]) packShared(t int) {
	p := &jb.p
	blk, grp := t/jb.groups, t%jb.groups
	pc := blk * p.kc
	kc := min(p.kc, p.k-pc)
	dst := jb.shared[pc*jb.sharedLd:]
	if jb.splitN {
		i0 := grp * jb.groupSize * MR
		rows := min(jb.groupSize*MR, p.m-i0)
		p.kern.PackA(dst[i0*kc:], p.a, p.lda, p.aTrans, i0, rows, pc, kc)
	} else {
		nr := p.kern.NR
		j0 := grp * jb.groupSize * nr
		cols := min(jb.groupSize*nr, p.n-j0)
		p.kern.PackB(dst[j0*kc:], p.b, p.ldb, p.bTrans, pc, kc, j0, cols)
	}
}

// computeShared computes chunk t of C from the shared packed operand.
func (jb *job[T]) computeShared(t int, ws *Workspace[T]) {
	p := &jb.p
	kern, nr := p.kern, p.kern.NR
	mcBlock, ncBlock := p.blk.MC, p.blk.NC
	var priv []T
	if jb.splitN {
		priv = ws.BBuf(jb.chunkSize * nr * p.kc)
	} else {
		priv = ws.ABuf(jb.chunkSize * MR * p.kc)
	}
	for pc := 0; pc < p.k; pc += p.kc {
		kc := min(p.kc, p.k-pc)
		beta := p.beta
		if pc > 0 {
			beta = 1
		}
		sh := jb.shared[pc*jb.sharedLd:]
		if jb.splitN {
			j0 := t * jb.chunkSize * nr
			nc := min(jb.chunkSize*nr, p.n-j0)
			kern.PackB(priv, p.b, p.ldb, p.bTrans, pc, kc, j0, nc)
			for ic := 0; ic < p.m; ic += mcBlock {
				mc := min(mcBlock, p.m-ic)
				kern.MacroKernel(p.c[ic*p.ldc+j0:], p.ldc, sh[ic*kc:], priv, mc, nc, kc, p.alpha, beta, ws)
			}
		} else {
			i0 := t * jb.chunkSize * MR
			mc := min(jb.chunkSize*MR, p.m-i0)
			kern.PackA(priv, p.a, p.lda, p.aTrans, i0, mc, pc, kc)
			for jc := 0; jc < p.n; jc += ncBlock {
				nc := min(ncBlock, p.n-jc)
				kern.MacroKernel(p.c[i0*p.ldc+jc:], p.ldc, priv, sh[jc*kc:], mc, nc, kc, p.alpha, beta, ws)
			}
		}
	}
}
