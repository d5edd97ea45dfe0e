package graph

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// tasker is work split into numbered tasks: runTask(w, i) does task i on
// worker w, where w < the number of workers of the call (so that a tasker
// can keep one scratch buffer per worker). Tasks must write disjoint outputs.
type tasker interface {
	runTask(worker, task int)
}

// taskJob is one runTasks call shared with the pool's goroutines.
type taskJob struct {
	t    tasker
	n    int
	next atomic.Int64 // next task to claim
	ids  atomic.Int32 // next worker id
	done sync.WaitGroup
	refs atomic.Int32 // goroutines still using the job
}

var (
	taskJobs    = sync.Pool{New: func() any { return new(taskJob) }}
	taskCh      = make(chan *taskJob, 64)
	poolWorkers atomic.Int32
	poolMu      sync.Mutex
)

// ensurePoolWorkers starts persistent worker goroutines until there are at
// least n. Idle workers block on taskCh and cost nothing.
func ensurePoolWorkers(n int) {
	if int(poolWorkers.Load()) >= n {
		return
	}
	poolMu.Lock()
	for int(poolWorkers.Load()) < n {
		go func() {
			for j := range taskCh {
				j.work()
				j.release()
			}
		}()
		poolWorkers.Add(1)
	}
	poolMu.Unlock()
}

// runTasks runs t.runTask(w, i) for every task i in [0, n) on up to
// workers goroutines: the caller and persistent pool goroutines, which claim
// tasks one at a time (so a goroutine descheduled on a busy machine does not
// hold up the others). Worker ids are below min(workers, n). It returns when
// every task is done and does not allocate in steady state. Which worker runs
// which task varies from call to call: a tasker whose tasks write disjoint
// outputs, reduced afterwards in task order, gives the same bits whatever
// the number of workers.
func runTasks(n, workers int, t tasker) {
	workers = min(workers, n)
	if workers <= 1 {
		for i := 0; i < n; i++ {
			t.runTask(0, i)
		}
		return
	}
	ensurePoolWorkers(workers - 1)
	j := taskJobs.Get().(*taskJob)
	j.t, j.n = t, n
	j.next.Store(0)
	j.ids.Store(0)
	j.done.Add(n)
	j.refs.Store(int32(workers))
	for i := 1; i < workers; i++ {
		taskCh <- j
	}
	j.work()
	j.done.Wait()
	j.release()
}

// work claims and runs tasks until none is left.
func (j *taskJob) work() {
	w := int(j.ids.Add(1)) - 1
	for {
		i := int(j.next.Add(1)) - 1
		if i >= j.n {
			return
		}
		j.t.runTask(w, i)
		j.done.Done()
	}
}

// release drops a goroutine's reference; the last one recycles the job.
func (j *taskJob) release() {
	if j.refs.Add(-1) == 0 {
		j.t = nil
		taskJobs.Put(j)
	}
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

func (t *rangeTasks) runTask(_, i int) {
	lo := i * t.chunk
	t.r.runRange(lo, min(lo+t.chunk, t.n))
}

var rangeTaskPool = sync.Pool{New: func() any { return new(rangeTasks) }}

// runRange runs r over [0, n) in w equal ranges on up to w goroutines,
// without allocating in steady state.
func runRange(n, w int, r ranger) {
	t := rangeTaskPool.Get().(*rangeTasks)
	t.r, t.n, t.chunk = r, n, (n+w-1)/w
	runTasks((n+t.chunk-1)/t.chunk, w, t)
	t.r = nil
	rangeTaskPool.Put(t)
}
