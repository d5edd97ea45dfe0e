package graph

import (
	"runtime"
	"sync"

	"github.com/vigor-ml/vigor/internal/parallel"
)

// tasker is work split into numbered tasks: runTask(w, i) does task i on
// worker w, where w < the number of workers of the call (so that a tasker
// can keep one scratch buffer per worker). Tasks must write disjoint outputs.
type tasker interface {
	runTask(worker, task int)
}

// taskAdapter presents a tasker to internal/parallel.
type taskAdapter struct{ t tasker }

func (a *taskAdapter) RunTask(worker, task int) { a.t.runTask(worker, task) }

var taskAdapters = sync.Pool{New: func() any { return new(taskAdapter) }}

// runTasks runs t.runTask(w, i) for every task i in [0, n) on up to
// workers goroutines: the caller and the persistent goroutines of
// internal/parallel, which claim tasks one at a time (so a goroutine
// descheduled on a busy machine does not hold up the others). Worker ids are
// below min(workers, n). It returns when every task is done and does not
// allocate in steady state. Which worker runs which task varies from call to
// call: a tasker whose tasks write disjoint outputs, reduced afterwards in
// task order, gives the same bits whatever the number of workers.
func runTasks(n, workers int, t tasker) {
	if min(workers, n) <= 1 {
		for i := 0; i < n; i++ {
			t.runTask(0, i)
		}
		return
	}
	a := taskAdapters.Get().(*taskAdapter)
	a.t = t
	parallel.Run(n, workers, a)
	a.t = nil
	taskAdapters.Put(a)
}

// rangeWorkers returns how many goroutines should share an elementwise loop
// over n values: one below 2·parallelMin values, where handing work to
// another goroutine costs more than it saves.
func rangeWorkers(n int) int {
	if n < 2*parallelMin {
		return 1 // without asking GOMAXPROCS, which takes the scheduler's lock
	}
	return max(1, min(runtime.GOMAXPROCS(0), n/parallelMin))
}

// ranger is an elementwise loop that can run on part [lo, hi) of its range.
type ranger interface {
	runRange(lo, hi int)
}

// rangeTasks splits a ranger into one task per worker.
type rangeTasks struct {
	r        ranger
	n, chunk int
}

func (t *rangeTasks) RunTask(_, i int) {
	lo := i * t.chunk
	t.r.runRange(lo, min(lo+t.chunk, t.n))
}

var rangeTaskPool = sync.Pool{New: func() any { return new(rangeTasks) }}

// runRange runs r over [0, n) in w equal ranges on up to w goroutines,
// without allocating in steady state.
func runRange(n, w int, r ranger) {
	t := rangeTaskPool.Get().(*rangeTasks)
	t.r, t.n, t.chunk = r, n, (n+w-1)/w
	parallel.Run((n+t.chunk-1)/t.chunk, w, t)
	t.r = nil
	rangeTaskPool.Put(t)
}
