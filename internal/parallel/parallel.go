package parallel

import (
	"sync"
	"sync/atomic"
)

// Tasker is work split into numbered tasks.
//
// RunTask does task i on worker w. Within one Run, w is below the number of
// goroutines of the call and no two goroutines run with the same w at the
// same time, so a Tasker can keep one scratch buffer per worker. Tasks run
// concurrently and must write disjoint outputs (or synchronize themselves).
type Tasker interface {
	RunTask(worker, task int)
}

// job is one Run call shared with the pool's goroutines.
type job struct {
	t    Tasker
	n    int
	next atomic.Int64 // next task to claim
	ids  atomic.Int32 // next worker id
	done sync.WaitGroup
	refs atomic.Int32 // goroutines still holding the job
}

// queueLen is the capacity of the queue of jobs waiting for a pool
// goroutine. A job that finds it full is simply shared with fewer helpers.
const queueLen = 64

var (
	jobs    = sync.Pool{New: func() any { return new(job) }}
	queue   = make(chan *job, queueLen)
	started atomic.Int32
	startMu sync.Mutex
)

// ensureWorkers starts persistent pool goroutines until there are at least
// n. Idle ones block on the queue and cost nothing.
func ensureWorkers(n int) {
	if int(started.Load()) >= n {
		return
	}
	startMu.Lock()
	for int(started.Load()) < n {
		go func() {
			for j := range queue {
				j.work()
				j.release()
			}
		}()
		started.Add(1)
	}
	startMu.Unlock()
}

// Run calls t.RunTask(w, i) once for every task i in [0, n), on up to
// workers goroutines: the caller and persistent pool goroutines, which claim
// tasks one at a time. Worker ids w are below min(workers, n). Run returns
// when every task is done; with workers ≤ 1 (or n ≤ 1) the caller runs the
// tasks in order as worker 0. Run does not allocate in steady state and may
// be called from inside a task of another Run.
func Run(n, workers int, t Tasker) {
	workers = min(workers, n)
	if workers <= 1 {
		for i := 0; i < n; i++ {
			t.RunTask(0, i)
		}
		return
	}
	ensureWorkers(workers - 1)
	j := jobs.Get().(*job)
	j.t, j.n = t, n
	j.next.Store(0)
	j.ids.Store(0)
	j.done.Add(n)
	j.refs.Store(int32(workers))
	for i := 1; i < workers; i++ {
		select {
		case queue <- j:
		default:
			// The queue is full (the pool is busy with other jobs): the
			// caller and the helpers already queued do the work.
			j.release()
		}
	}
	j.work()
	j.done.Wait()
	j.release()
}

// work claims and runs tasks until none is left. A pool goroutine that
// arrives after the last task was claimed returns without touching t.
func (j *job) work() {
	w := int(j.ids.Add(1)) - 1
	for {
		i := int(j.next.Add(1)) - 1
		if i >= j.n {
			return
		}
		j.t.RunTask(w, i)
		j.done.Done()
	}
}

// release drops a goroutine's reference; the last one recycles the job.
func (j *job) release() {
	if j.refs.Add(-1) == 0 {
		j.t = nil
		jobs.Put(j)
	}
}
