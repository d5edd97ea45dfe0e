#!/usr/bin/env bash
# Wall-clock A/B comparison of two compiled test binaries (go test -c), run
# alternately so that both see the same load on a shared machine, summarized
# by benchstat.
#
#   bash bench/abtest.sh OLD.test NEW.test BENCHREGEXP [COUNT [BENCHTIME]]
#
# COUNT (default 6) runs of each, -test.benchtime BENCHTIME (default 20x),
# -test.benchmem. The raw results go to old.txt and new.txt in $OUT (default
# a temporary directory, printed).
set -euo pipefail
old=$1
new=$2
re=$3
count=${4:-6}
bt=${5:-20x}
out=${OUT:-$(mktemp -d "${TMPDIR:-/tmp}/vigor-ab.XXXXXX")}
mkdir -p "$out"
: >"$out/old.txt"
: >"$out/new.txt"
for ((i = 0; i < count; i++)); do
	"$old" -test.run '^$' -test.bench "$re" -test.benchtime "$bt" -test.benchmem >>"$out/old.txt"
	"$new" -test.run '^$' -test.bench "$re" -test.benchtime "$bt" -test.benchmem >>"$out/new.txt"
done
echo "raw results in $out"
go run golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da "$out/old.txt" "$out/new.txt"
