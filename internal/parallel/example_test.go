package parallel_test

import (
	"fmt"

	"github.com/vigor-ml/vigor/internal/parallel"
)

// squares computes one output element per task: disjoint writes, so the
// result does not depend on how many goroutines share the work.
type squares struct{ out []int }

func (s *squares) RunTask(_, i int) { s.out[i] = i * i }

func ExampleRun() {
	s := &squares{out: make([]int, 8)}
	parallel.Run(len(s.out), 4, s)
	fmt.Println(s.out)
	// Output: [0 1 4 9 16 25 36 49]
}
