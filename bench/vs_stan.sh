#!/usr/bin/env bash
# Vigor against Stan's ADVI (rstan, defaults) on logistic regression, side by side.
#
#   bash bench/vs_stan.sh                           # N = 1e3, 1e4, 1e5, 1e6; D = 100; 400 rows
#   bash bench/vs_stan.sh --sizes 1e3,1e4 --quick   # a smoke run
#
# Flags:
#   --sizes LIST   logistic sizes N (D = 20), comma-separated (default 1e3,1e4,1e5,1e6)
#   --pairs K      alternating Vigor/Stan runs per problem and family (default 3)
#   --quick        one pair, Laplace references only (no NUTS), no D = 100 problem
#   --no-d100      skip the full-rank D = 100 problem (N = 5000)
#   --no-400       skip the 400-row problem of bench/refsuite
#   --out DIR      where the data, fits, results.tsv and vs_stan.png go
#                  (default bench/vs_stan.out)
#   --batch B      Vigor's --batch for N ≥ 1e6, read through --cache (default 1024;
#                  0: all rows every step); smaller N use Vigor's defaults
#
# For each problem the script generates the data once per --out directory (bench/vsstan gen: D
# predictors, AR(1)-correlated across columns with ρ = 0.6, of scales 0.01 to
# 100; seeded, so every run fits the same file), computes the reference
# (NUTS, 4 chains × 2000 draws, for N ≤ 1e4; else the Laplace approximation
# by Newton's method, which the posterior approaches as N grows; the
# refsuite's NUTS reference for the 400-row problem), then alternates Vigor
# and Stan, meanfield and fullrank, K times each. Stan's model is compiled
# once per --out directory, its time printed apart; Stan's seconds are those
# of vb() alone (not R's start or reading the CSV), Vigor's those of the fit (the JSON's
# "seconds": not reading the CSV; the process's wall time is kept in
# results.tsv too). Both use Normal(0, s²) priors on the intercept and the
# coefficients (s = 10; 5 for the 400-row problem, as its reference).
#
# Output: results.tsv (problem n side family seconds maxdev sdlo sdhi wall),
# the table of medians (seconds of each side, Vigor/Stan ratio, and each
# side's accuracy: the largest |Δμ| in reference sds, and the range of the sd
# ratios against the reference's sds — for meanfield, against the best
# mean-field Gaussian's, 1/sqrt of the diagonal of the precision, when the
# reference is a Laplace one), and vs_stan.png, seconds against N, log-log.
#
# Needs R with rstan (Debian: apt-get install -y r-cran-rstan) and jsonlite.
# Timings are only meaningful on an otherwise idle machine.
set -euo pipefail
cd "$(dirname "$0")/.."

SIZES=1e3,1e4,1e5,1e6
PAIRS=3
QUICK=0
D100=1
P400=1
OUT=bench/vs_stan.out
BATCH=1024
while [ $# -gt 0 ]; do
  case "$1" in
    --sizes) SIZES=$2; shift 2 ;;
    --pairs) PAIRS=$2; shift 2 ;;
    --quick) QUICK=1; PAIRS=1; D100=0; shift ;;
    --no-d100) D100=0; shift ;;
    --no-400) P400=0; shift ;;
    --out) OUT=$2; shift 2 ;;
    --batch) BATCH=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "vs_stan: unknown flag $1 (see --help)" >&2; exit 2 ;;
  esac
done
if ! Rscript -e 'library(rstan); library(jsonlite)' >/dev/null 2>&1; then
  echo "vs_stan: R with rstan and jsonlite is missing: apt-get install -y r-cran-rstan r-cran-jsonlite" >&2
  exit 1
fi
export GOMAXPROCS=${GOMAXPROCS:-2}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
bin=$OUT/bin
mkdir -p "$bin"
go build -o "$bin/vigor" ./cmd/vigor
go build -o "$bin/vsstan" ./bench/vsstan
R="Rscript bench/vsstan/stan.R"
res=$OUT/results.tsv
echo "# problem n side family seconds maxdev sdlo sdhi wall" > "$res"

now() { date +%s.%N; }

# Stan's model is compiled once per --out directory (again when stan.R changes).
if [ -f "$OUT/logistic.rds" ] && [ -f "$OUT/compile.txt" ] && [ "$OUT/logistic.rds" -nt bench/vsstan/stan.R ]; then
  compile=$(cat "$OUT/compile.txt")
  echo "Stan's model: reusing $OUT/logistic.rds, compiled in ${compile} s (not counted below)"
else
  echo "compiling Stan's model..."
  compile=$($R compile "$OUT")
  echo "$compile" > "$OUT/compile.txt"
  echo "Stan compile: ${compile} s (not counted below)"
fi

# run PROBLEM N CSV REF PRIOR FAMILY PAIR: one Vigor fit and one Stan fit,
# in alternating order, scored against REF.
run() {
  local prob=$1 n=$2 csv=$3 ref=$4 s=$5 fam=$6 pair=$7
  local vflags=()
  if [ "$(awk -v n="$n" 'BEGIN{print (n >= 1e6)}')" = 1 ] && [ "$BATCH" != 0 ]; then
    vflags=(--cache --batch "$BATCH")
  fi
  local vjson=$OUT/$prob-$n-vigor-$fam-$pair.json sjson=$OUT/$prob-$n-stan-$fam-$pair.json
  local sides=(vigor stan)
  if [ $((pair % 2)) = 1 ]; then sides=(stan vigor); fi
  for side in "${sides[@]}"; do
    local t0 t1 secs
    t0=$(now)
    if [ "$side" = vigor ]; then
      "$bin/vigor" fit --model logistic --data "$csv" --target y --family "$fam" \
        --prior-scale "$s" --seed "$pair" --quiet --out "$vjson" "${vflags[@]}"
      t1=$(now)
      secs=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["seconds"])' "$vjson")
      read -r dev lo hi < <("$bin/vsstan" score -ref "$ref" -family "$fam" "$vjson")
    else
      $R "$fam" "$OUT" "$csv" y "$s" "$pair" "$sjson" >/dev/null 2>"$OUT/stan.log" ||
        { echo "vs_stan: Stan failed, see $OUT/stan.log" >&2; exit 1; }
      t1=$(now)
      secs=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["seconds"])' "$sjson")
      read -r dev lo hi < <("$bin/vsstan" score -ref "$ref" -family "$fam" "$sjson")
    fi
    local wall
    wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", b-a}')
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$prob" "$n" "$side" "$fam" "$secs" "$dev" "$lo" "$hi" "$wall" | tee -a "$res"
  done
}

# reference CSV REF PRIOR N: NUTS for N ≤ 1e4 (not with --quick), else Laplace.
# A reference newer than its CSV is kept (NUTS at D = 100 takes about 13
# minutes); delete it, or the --out directory, to compute it again.
reference() {
  local csv=$1 ref=$2 s=$3 n=$4
  if [ -s "$ref" ] && [ "$ref" -nt "$csv" ]; then
    echo "reference: reusing $ref"
    return
  fi
  if [ "$QUICK" = 0 ] && [ "$(awk -v n="$n" 'BEGIN{print (n <= 1e4)}')" = 1 ]; then
    echo "reference: NUTS on $csv"
    $R nuts "$OUT" "$csv" y "$s" 1 "$ref" >/dev/null 2>"$OUT/stan.log"
  else
    echo "reference: Laplace on $csv"
    "$bin/vsstan" laplace -data "$csv" -target y -prior-scale "$s" -out "$ref"
  fi
}

IFS=, read -r -a sizes <<< "$SIZES"
for n in "${sizes[@]}"; do
  csv=$OUT/logistic-$n.csv ref=$OUT/logistic-$n.ref.json
  [ -s "$csv" ] || "$bin/vsstan" gen -n "$n" -d 20 -seed 1 -out "$csv"
  reference "$csv" "$ref" 10 "$n"
  for pair in $(seq 1 "$PAIRS"); do
    for fam in meanfield fullrank; do run logistic "$n" "$csv" "$ref" 10 "$fam" "$pair"; done
  done
done
if [ "$D100" = 1 ]; then
  csv=$OUT/d100-5000.csv ref=$OUT/d100-5000.ref.json
  [ -s "$csv" ] || "$bin/vsstan" gen -n 5000 -d 100 -seed 2 -out "$csv"
  reference "$csv" "$ref" 10 5000
  for pair in $(seq 1 "$PAIRS"); do run d100 5000 "$csv" "$ref" 10 fullrank "$pair"; done
fi
if [ "$P400" = 1 ]; then
  csv=$OUT/refsuite-400.csv ref=$OUT/refsuite-400.ref.json
  "$bin/vsstan" refsuite -csv "$csv" -ref "$ref"
  for pair in $(seq 1 "$PAIRS"); do
    for fam in meanfield fullrank; do run rows400 400 "$csv" "$ref" 5 "$fam" "$pair"; done
  done
fi

echo
echo "Stan compile: ${compile} s. Medians (seconds of the fit; accuracy: max |Δμ|/sd, sd ratio range):"
"$bin/vsstan" table -in "$res"
"$bin/vsstan" plot -in "$res" -out "$OUT/vs_stan.png"
echo "plot: $OUT/vs_stan.png"
