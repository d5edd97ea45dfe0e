#!/usr/bin/env bash
# Instructions per benchmark iteration, counted by valgrind's callgrind: a
# measure that does not move with the load of a shared machine.
#
#   bash bench/instr.sh TESTBINARY BENCHREGEXP [N1 N2]
#
# runs the compiled test binary (go test -c) twice under callgrind, with
# -test.benchtime N1x and N2x (default 10 and 40), and prints
# (Ir(N2) - Ir(N1)) / (N2 - N1): the instructions of one iteration, without
# the setup. The program runs with GOMAXPROCS=1 (override with PROCS): the
# count is the work done, not the parallel speedup, and idle Go scheduler
# threads spinning under valgrind would otherwise add noise. Needs valgrind
# (apt-get install valgrind). Example:
#
#   go test -c -o /tmp/models.test ./bbvi/models
#   bash bench/instr.sh /tmp/models.test 'StepLogistic64Small$' 20 120
set -euo pipefail
bin=$1
re=$2
n1=${3:-10}
n2=${4:-40}
if ((n1 < 2 || n2 <= n1)); then
	# With -test.benchtime 1x the testing package runs the benchmark once;
	# with Nx, N > 1, it runs it once with b.N = 1 and then with b.N = N.
	echo "instr.sh: need 2 <= N1 < N2" >&2
	exit 2
fi
dir=$(mktemp -d "${TMPDIR:-/tmp}/vigor-instr.XXXXXX")
trap 'rm -rf "$dir"' EXIT
count() {
	GOMAXPROCS=${PROCS:-1} GODEBUG=asyncpreemptoff=1 valgrind --tool=callgrind --callgrind-out-file="$dir/cg.$1" \
		"$bin" -test.run '^$' -test.bench "$re" -test.benchtime "$1x" -test.count 1 >/dev/null 2>"$dir/log.$1" ||
		{ cat "$dir/log.$1" >&2; exit 1; }
	grep -m1 '^summary:' "$dir/cg.$1" | awk '{print $2}'
}
a=$(count "$n1")
b=$(count "$n2")
echo "$re: $(( (b - a) / (n2 - n1) )) instructions per iteration (callgrind, N = $n1 and $n2)"
