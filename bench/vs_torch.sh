#!/usr/bin/env bash
# Vigor against PyTorch on the same CPU, side by side.
#
#   bash bench/vs_torch.sh                 # pure-Go build
#   TAGS=openblas bash bench/vs_torch.sh   # OpenBLAS build (needs libopenblas-dev)
#
# Environment: PAIRS (default 3) alternating Vigor/PyTorch runs per workload,
# THREADS (default 2) threads for both (GOMAXPROCS, OPENBLAS_NUM_THREADS,
# torch.set_num_threads), EPOCHS (default 1) VAE epochs per run, STEPS (default
# 500) timed BBVI steps per run, DTYPE (default float32) for the BBVI workload.
#
# Workloads: one epoch of the MNIST VAE (784-400-20, batch 128, Adam 1e-3,
# float32), and BBVI steps on logistic regression (N = 10,000, D = 20, S = 8,
# reparameterized ELBO, mean-field, Adam). Prints each run, then the medians,
# the Vigor/PyTorch ratios and the fraction of the FLOP floor reached (an epoch
# is about 2.3e11 floating-point operations; two cores' float32 FMA peak does
# that in about 1.5 s).
#
# PyTorch comes from Debian (apt-get install -y python3-torch) and runs with
# /usr/bin/python3; it is a benchmark reference only, never a Vigor dependency.
set -euo pipefail
cd "$(dirname "$0")/.."
PAIRS=${PAIRS:-3}
THREADS=${THREADS:-2}
EPOCHS=${EPOCHS:-1}
STEPS=${STEPS:-500}
DTYPE=${DTYPE:-float32}
TAGS=${TAGS:-}
export GOMAXPROCS=$THREADS OPENBLAS_NUM_THREADS=$THREADS OMP_NUM_THREADS=$THREADS

if ! /usr/bin/python3 -c 'import torch' 2>/dev/null; then
  echo "vs_torch: PyTorch is missing: apt-get install -y python3-torch" >&2
  exit 1
fi
bin=$(mktemp -d)/vigorbench
if [ "$TAGS" = openblas ]; then
  CGO_LDFLAGS=-lopenblas go build -tags openblas -o "$bin" ./bench/vigorbench
else
  go build -o "$bin" ./bench/vigorbench
fi
data=$(go run ./cmd/vigor data fetch mnist | cut -d' ' -f1)
out=$(mktemp)
echo "# machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); threads $THREADS; build: ${TAGS:-pure Go}"
for i in $(seq "$PAIRS"); do
  "$bin" vae --epochs "$EPOCHS" --data-dir "$data" | sed 's/^/vigor vae /' | tee -a "$out"
  /usr/bin/python3 bench/torch_vae.py --epochs "$EPOCHS" --threads "$THREADS" --data-dir "$data" | sed 's/^/torch vae /' | tee -a "$out"
  "$bin" bbvi --steps "$STEPS" --dtype "$DTYPE" | sed 's/^/vigor bbvi /' | tee -a "$out"
  /usr/bin/python3 bench/torch_bbvi.py --steps "$STEPS" --threads "$THREADS" --dtype "$DTYPE" | sed 's/^/torch bbvi /' | tee -a "$out"
done
/usr/bin/python3 - "$out" <<'PY'
import json, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    who, what, doc = line.split(" ", 2)
    rows.setdefault((who, what), []).append(json.loads(doc))
def med(who, what, key):
    return statistics.median(r[key] for r in rows[(who, what)])
v, t = med("vigor", "vae", "seconds"), med("torch", "vae", "seconds")
vl, tl = med("vigor", "vae", "test_loss"), med("torch", "vae", "test_loss")
print()
print("| workload | Vigor | PyTorch | Vigor/PyTorch |")
print("|---|---|---|---|")
print(f"| VAE epoch (s, median) | {v:.2f} | {t:.2f} | {v/t:.2f} |")
print(f"| VAE test loss after the epoch(s) | {vl:.2f} | {tl:.2f} | |")
vb, tb = med("vigor", "bbvi", "steps_per_second"), med("torch", "bbvi", "steps_per_second")
print(f"| BBVI steps per second (median) | {vb:.1f} | {tb:.1f} | {vb/tb:.2f} |")
print()
print(f"VAE epoch: {1.5/v:.0%} of the FLOP floor (1.5 s) for Vigor, {1.5/t:.0%} for PyTorch.")
PY
