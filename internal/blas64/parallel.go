package blas64

import (
	"runtime"
	"sync"
	"sync/atomic"
	"unsafe"
)

// parThreshold is the number of multiply-adds (m·n·k) from which Dgemm splits
// the product across goroutines: 2²¹ ≈ 2.1M, about 100 µs of single-threaded
// work at 40 GFLOP/s (half of blas32's threshold, float64 being half as fast).
// Handing work to a parked worker costs roughly 5–20 µs (goroutine wake-up,
// shared packing, load imbalance at the end), and on a loaded machine the
// second core is often not available at all (blas32 measured a loss below
// about 4M float32 multiply-adds). The split never changes the result: every
// element of C is computed by one goroutine, in the same order. It is a
// variable so that tests and benchmarks can change it.
var parThreshold = 1 << 21

// numWorkers returns how many goroutines should compute an m×n×k product.
func numWorkers(m, n, k int) int {
	if int64(m)*int64(n)*int64(k) < int64(parThreshold) {
		return 1 // without asking GOMAXPROCS, which takes the scheduler's lock
	}
	p := runtime.GOMAXPROCS(0)
	if p < 2 {
		return 1
	}
	// Each worker gets at least two micro-tiles along the split dimension.
	if n >= m {
		return max(1, min(p, (n+nr-1)/nr/2))
	}
	return max(1, min(p, (m+mr-1)/mr/2))
}

// workspace holds the packing buffers of one goroutine.
type workspace struct {
	a, b []float64
	tile [mr * nr]float64
}

var wsPool = sync.Pool{New: func() any { return new(workspace) }}

func getWorkspace() *workspace  { return wsPool.Get().(*workspace) }
func putWorkspace(w *workspace) { wsPool.Put(w) }

// aBuf returns a packing buffer for A of length n, aligned to 64 bytes.
func (w *workspace) aBuf(n int) []float64 {
	if cap(w.a) < n {
		w.a = alignedSlice(n)
	}
	return w.a[:n]
}

// bBuf returns a packing buffer for B of length n, aligned to 64 bytes.
func (w *workspace) bBuf(n int) []float64 {
	if cap(w.b) < n {
		w.b = alignedSlice(n)
	}
	return w.b[:n]
}

// alignedSlice returns a slice of n float64 whose first element is 64-byte
// aligned, so that packed micro-panels do not straddle cache lines.
func alignedSlice(n int) []float64 {
	const align = 64 / 8
	s := make([]float64, n+align)
	off := int(uintptr(unsafe.Pointer(&s[0]))&63) / 8
	if off != 0 {
		off = align - off
	}
	return s[off : off+n : off+n]
}

// maxShared is the largest packed operand (in float64s) that a parallel
// call packs once and shares between its goroutines. Larger problems are
// split statically instead, each goroutine packing what it needs.
var maxShared = 2 << 20

// job is one parallel Dgemm call. Its goroutines first pack the whole of the
// operand that is not split (op(A) when splitting the columns of C, op(B)
// when splitting the rows) into shared, claiming pieces of it through
// nextPack, then claim chunks of C through nextChunk, packing their part of
// the other operand privately. Claiming is dynamic so that a goroutine that
// is descheduled (the machine may be shared) does not hold up the others.
type job struct {
	g      gemm
	splitN bool // split the columns of C (else its rows)

	// Static split (static is true): C is cut into w blocks of whole tiles.
	static bool
	w      int

	shared    []float64
	sharedLd  int // padded size of the shared dimension (multiple of the tile)
	nextPack  atomic.Int64
	packs     int // pieces to pack: kc blocks × groups of micro-panels
	groups    int // groups of micro-panels per kc block
	groupSize int // tiles per group
	packWG    sync.WaitGroup

	nextChunk atomic.Int64
	chunks    int
	chunkSize int // tiles per chunk
	chunkWG   sync.WaitGroup

	refs atomic.Int32 // goroutines still using the job
}

var (
	jobPool  = sync.Pool{New: func() any { return new(job) }}
	tasks    = make(chan *job, 64)
	workers  atomic.Int32
	workerMu sync.Mutex
)

// ensureWorkers starts persistent worker goroutines until there are at
// least n. Idle workers block on the tasks channel and cost nothing.
func ensureWorkers(n int) {
	if int(workers.Load()) >= n {
		return
	}
	workerMu.Lock()
	for int(workers.Load()) < n {
		go worker()
		workers.Add(1)
	}
	workerMu.Unlock()
}

func worker() {
	for jb := range tasks {
		jb.work(false)
	}
}

// runParallel computes g on w goroutines, one of them the caller.
func runParallel(g *gemm, w int) {
	ensureWorkers(w - 1)
	jb := jobPool.Get().(*job)
	jb.g = *g
	jb.w = w
	jb.splitN = g.n >= g.m
	sharedRows, tile, sharedTile := g.n, mr, nr // split M: share op(B)
	if jb.splitN {
		sharedRows, tile, sharedTile = g.m, nr, mr
	}
	jb.sharedLd = roundUp(sharedRows, sharedTile)
	jb.static = jb.sharedLd*g.k > maxShared
	if jb.static {
		jb.chunks = w
	} else {
		if cap(jb.shared) < jb.sharedLd*g.k {
			jb.shared = alignedSlice(jb.sharedLd * g.k)
		}
		jb.shared = jb.shared[:jb.sharedLd*g.k]
		// Pack in pieces of about 16 KiB so that all goroutines share the work.
		jb.groupSize = max(1, 2048/(sharedTile*g.kc))
		sharedTiles := jb.sharedLd / sharedTile
		jb.groups = (sharedTiles + jb.groupSize - 1) / jb.groupSize
		jb.packs = jb.groups * ((g.k + g.kc - 1) / g.kc)
		jb.nextPack.Store(0)
		jb.packWG.Add(jb.packs)
		// About four chunks per goroutine, each at least two tiles wide.
		size := g.m
		if jb.splitN {
			size = g.n
		}
		tiles := (size + tile - 1) / tile
		jb.chunkSize = max(2, (tiles+4*w-1)/(4*w))
		// A chunk's private panel should stay within its cache block.
		if jb.splitN {
			jb.chunkSize = min(jb.chunkSize, ncBlock/nr)
		} else {
			jb.chunkSize = min(jb.chunkSize, mcBlock/mr)
		}
		jb.chunks = (tiles + jb.chunkSize - 1) / jb.chunkSize
	}
	jb.nextChunk.Store(0)
	jb.chunkWG.Add(jb.chunks)
	jb.refs.Store(int32(w))
	for t := 1; t < w; t++ {
		tasks <- jb
	}
	jb.work(true)
}

// work is run by each goroutine of a job. The caller (wait) returns once all
// of C is computed; other goroutines return as soon as nothing is left to
// claim. The last one to leave recycles the job.
func (jb *job) work(wait bool) {
	ws := getWorkspace()
	g := &jb.g
	if jb.static {
		jb.workStatic(ws)
	} else {
		jb.workShared(ws)
	}
	putWorkspace(ws)
	if wait {
		jb.chunkWG.Wait()
	}
	if jb.refs.Add(-1) == 0 {
		*g = gemm{}
		jobPool.Put(jb)
	}
}

// workStatic computes the blocks of a statically split job.
func (jb *job) workStatic(ws *workspace) {
	g := &jb.g
	tile, size := mr, g.m
	if jb.splitN {
		tile, size = nr, g.n
	}
	tiles := (size + tile - 1) / tile
	bound := func(t int) int { return min(size, tiles*t/jb.w*tile) }
	for {
		t := int(jb.nextChunk.Add(1)) - 1
		if t >= jb.chunks {
			return
		}
		if jb.splitN {
			g.compute(0, g.m, bound(t), bound(t+1), ws)
		} else {
			g.compute(bound(t), bound(t+1), 0, g.n, ws)
		}
		jb.chunkWG.Done()
	}
}

// workShared packs its share of the shared operand, waits until all of it
// is packed, then computes chunks of C.
func (jb *job) workShared(ws *workspace) {
	g := &jb.g
	for {
		t := int(jb.nextPack.Add(1)) - 1
		if t >= jb.packs {
			break
		}
		blk, grp := t/jb.groups, t%jb.groups
		pc := blk * g.kc
		kc := min(g.kc, g.k-pc)
		dst := jb.shared[pc*jb.sharedLd:]
		if jb.splitN {
			i0 := grp * jb.groupSize * mr
			rows := min(jb.groupSize*mr, g.m-i0)
			packA(dst[i0*kc:], g.a, g.lda, g.aTrans, i0, rows, pc, kc)
		} else {
			j0 := grp * jb.groupSize * nr
			cols := min(jb.groupSize*nr, g.n-j0)
			packB(dst[j0*kc:], g.b, g.ldb, g.bTrans, pc, kc, j0, cols)
		}
		jb.packWG.Done()
	}
	jb.packWG.Wait()

	var priv []float64
	if jb.splitN {
		priv = ws.bBuf(jb.chunkSize * nr * g.kc)
	} else {
		priv = ws.aBuf(jb.chunkSize * mr * g.kc)
	}
	for {
		t := int(jb.nextChunk.Add(1)) - 1
		if t >= jb.chunks {
			return
		}
		for pc := 0; pc < g.k; pc += g.kc {
			kc := min(g.kc, g.k-pc)
			beta := g.beta
			if pc > 0 {
				beta = 1
			}
			sh := jb.shared[pc*jb.sharedLd:]
			if jb.splitN {
				j0 := t * jb.chunkSize * nr
				nc := min(jb.chunkSize*nr, g.n-j0)
				packB(priv, g.b, g.ldb, g.bTrans, pc, kc, j0, nc)
				for ic := 0; ic < g.m; ic += mcBlock {
					mc := min(mcBlock, g.m-ic)
					g.macroKernel(sh[ic*kc:], priv, ic, mc, j0, nc, kc, beta, ws)
				}
			} else {
				i0 := t * jb.chunkSize * mr
				mc := min(jb.chunkSize*mr, g.m-i0)
				packA(priv, g.a, g.lda, g.aTrans, i0, mc, pc, kc)
				for jc := 0; jc < g.n; jc += ncBlock {
					nc := min(ncBlock, g.n-jc)
					g.macroKernel(priv, sh[jc*kc:], i0, mc, jc, nc, kc, beta, ws)
				}
			}
		}
		jb.chunkWG.Done()
	}
}
