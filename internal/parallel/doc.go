// Package parallel runs numbered tasks on the calling goroutine and a pool
// of persistent worker goroutines shared by all of Vigor's kernels (the
// matrix products of internal/blas32 and internal/blas64 and the elementwise
// and GLM kernels of package graph).
//
// A call of Run hands one job to up to workers−1 pool goroutines and works
// on it itself; every goroutine claims the next unclaimed task with an
// atomic counter until none is left:
//
//	Run(n, w, t):   next = 0
//	  each of ≤ w goroutines:   loop { i = next++;  if i ≥ n: stop;  t.RunTask(id, i) }
//	  the caller returns when all n tasks are done
//
// Claiming is dynamic so that a goroutine that is descheduled on a busy
// machine (or a pool goroutine that is still busy with another job) does not
// hold up the others: in the worst case the caller does every task itself.
// Because of this the caller never waits for a pool goroutine to arrive, a
// job can be handed out from inside another job's task (nested calls) and a
// full queue only means fewer helpers. Which goroutine runs which task
// varies from call to call, so a Tasker whose tasks write disjoint outputs,
// combined afterwards in task order, gives the same bits whatever the
// number of goroutines.
//
// Run does not allocate in steady state: jobs are recycled through a
// sync.Pool and idle pool goroutines block on a channel at no cost.
package parallel
