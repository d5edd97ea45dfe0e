package parallel

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

// record counts how often each task ran and checks the worker ids.
type record struct {
	workers int
	count   []atomic.Int32
	busy    []atomic.Int32 // goroutines currently running as worker w
	badID   atomic.Int32
	overlap atomic.Int32
}

func (r *record) RunTask(w, i int) {
	if w < 0 || w >= r.workers {
		r.badID.Add(1)
		return
	}
	if r.busy[w].Add(1) != 1 {
		r.overlap.Add(1)
	}
	r.count[i].Add(1)
	runtime.Gosched() // let the other goroutines in while w is busy
	r.busy[w].Add(-1)
}

func TestRunEachTaskOnce(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	for _, c := range []struct{ n, workers int }{
		{0, 3}, {1, 3}, {5, 1}, {5, 0}, {7, 2}, {3, 8}, {100, 4}, {1000, 5},
	} {
		for rep := 0; rep < 20; rep++ {
			r := &record{workers: max(1, min(c.workers, c.n)), count: make([]atomic.Int32, c.n)}
			r.busy = make([]atomic.Int32, r.workers)
			Run(c.n, c.workers, r)
			for i := range r.count {
				if got := r.count[i].Load(); got != 1 {
					t.Fatalf("n=%d workers=%d: task %d ran %d times", c.n, c.workers, i, got)
				}
			}
			if r.badID.Load() != 0 {
				t.Fatalf("n=%d workers=%d: worker id out of range", c.n, c.workers)
			}
			if r.overlap.Load() != 0 {
				t.Fatalf("n=%d workers=%d: two goroutines ran as the same worker", c.n, c.workers)
			}
		}
	}
}

// TestRunSerialOrder checks that one worker runs the tasks in order on the
// calling goroutine.
func TestRunSerialOrder(t *testing.T) {
	var got []int
	Run(5, 1, taskFunc(func(w, i int) {
		if w != 0 {
			t.Errorf("worker %d, want 0", w)
		}
		got = append(got, i)
	}))
	for i, v := range got {
		if v != i {
			t.Fatalf("order %v", got)
		}
	}
	if len(got) != 5 {
		t.Fatalf("ran %d tasks, want 5", len(got))
	}
}

type taskFunc func(w, i int)

func (f taskFunc) RunTask(w, i int) { f(w, i) }

// TestRunNested runs jobs from inside the tasks of other jobs, from many
// goroutines at once, so that more jobs are queued than the queue holds:
// every call must still finish with every task done once.
func TestRunNested(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(3))
	const outer, inner, callers = 8, 16, 12
	var wg sync.WaitGroup
	var total atomic.Int64
	for c := 0; c < callers; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			Run(outer, 3, taskFunc(func(_, _ int) {
				var sum atomic.Int64
				Run(inner, 3, taskFunc(func(_, i int) { sum.Add(int64(i) + 1) }))
				if s := sum.Load(); s != inner*(inner+1)/2 {
					t.Errorf("inner sum %d, want %d", s, inner*(inner+1)/2)
				}
				total.Add(1)
			}))
		}()
	}
	wg.Wait()
	if got := total.Load(); got != outer*callers {
		t.Fatalf("%d outer tasks done, want %d", got, outer*callers)
	}
}

type nop struct{ sink []int }

func (t *nop) RunTask(_, i int) { t.sink[i]++ }

// TestRunAllocs checks that Run does not allocate in steady state, on the
// parallel path (which testing.AllocsPerRun cannot see: it sets GOMAXPROCS
// to 1).
func TestRunAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops objects under the race detector")
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	tk := &nop{sink: make([]int, 64)}
	for i := 0; i < 10; i++ {
		Run(64, 2, tk)
	}
	const runs = 200
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for i := 0; i < runs; i++ {
		Run(64, 2, tk)
	}
	runtime.ReadMemStats(&after)
	if allocs := float64(after.Mallocs-before.Mallocs) / runs; allocs > 0.5 {
		t.Errorf("%v allocations per Run", allocs)
	}
	for i, v := range tk.sink {
		if v != 210 {
			t.Fatalf("task %d ran %d times, want 210", i, v)
		}
	}
}
