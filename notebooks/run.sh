#!/usr/bin/env bash
# Executes the notebooks with the GoNB kernel and fails if any cell fails.
#
#   bash notebooks/run.sh [--check] [NOTEBOOK.ipynb ...]
#
# With no notebook named, runs every notebooks/NN-*.ipynb in order, so a new
# notebook only has to be dropped in. Each notebook is executed headlessly into
# a temporary directory and checked by check.py (nbconvert exits 0 even when a
# cell panics or exits non-zero). Then:
#
#   default   the executed copy replaces the notebook, so its committed outputs
#             are fresh (`make notebooks`); only a clean run is written back.
#   --check   the committed notebooks are left untouched, and must already carry
#             clean outputs (CI, `make notebooks-check`).
#
# Needs the Debian packages jupyter-nbconvert, python3-nbclient and
# jupyter-client (.ci/run installs them). Installs GoNB and goimports from
# notebooks/tools into $(go env GOPATH)/bin and registers the kernel.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
PY=${PYTHON:-/usr/bin/python3}
export PATH="/usr/local/go/bin:${PATH}"
gobin=$(go env GOBIN)
[ -n "$gobin" ] || gobin="$(go env GOPATH)/bin"
export PATH="${gobin}:${PATH}"
# The notebooks make their own go.work; a GOWORK from the caller would hide it.
unset GOWORK

mode=inplace
notebooks=()
for arg in "$@"; do
  case "$arg" in
    --check) mode=check ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    -*) echo "run.sh: unknown flag $arg" >&2; exit 2 ;;
    *) notebooks+=("$arg") ;;
  esac
done
if [ ${#notebooks[@]} -eq 0 ]; then
  shopt -s nullglob
  notebooks=("$here"/[0-9][0-9]-*.ipynb)
  shopt -u nullglob
fi
if [ ${#notebooks[@]} -eq 0 ]; then
  echo "run.sh: no notebooks found in $here" >&2
  exit 1
fi

# The checker checks itself first: it must catch a panic, an exit status, an
# error output and a cell that never ran.
"$PY" "$here/check.py" --self-test

if ! "$PY" -c 'import nbconvert, nbclient, jupyter_client' 2>/dev/null; then
  echo "run.sh: Jupyter is missing; install it with" >&2
  echo "  apt-get install -y jupyter-nbconvert python3-nbclient jupyter-client" >&2
  exit 1
fi

# GoNB and goimports at the versions pinned in notebooks/tools/go.mod, then the
# kernel spec (~/.local/share/jupyter/kernels/gonb). gopls is optional (it only
# serves auto-completion in an interactive Jupyter), hence --force_deps.
go -C "$here/tools" install tool
gonb --install --force_deps >/dev/null 2>&1 || {
  echo "run.sh: gonb --install failed:" >&2
  gonb --install --force_deps >&2 || true
  exit 1
}

out=$(mktemp -d "${TMPDIR:-/tmp}/vigor-notebooks.XXXXXX")
passed=0
failed=0
for nb in "${notebooks[@]}"; do
  name=$(basename "$nb" .ipynb)
  log="$out/$name.log"
  start=$(date +%s)
  ok=1
  # The committed file must carry clean outputs too: they are what readers see.
  if [ "$mode" = check ] && ! "$PY" "$here/check.py" "$nb" >"$log" 2>&1; then
    echo "FAIL $nb: its committed outputs are missing or show an error (run make notebooks):"
    sed 's/^/    /' "$log" | head -n 20
    ok=0
  fi
  # The kernel starts in the notebook's own directory (GONB_DIR), whatever
  # --output-dir says, so the notebooks' workspace path "${GONB_DIR}/.." holds.
  if ! "$PY" -m nbconvert --to notebook --execute --allow-errors \
      --ExecutePreprocessor.kernel_name=gonb \
      --ExecutePreprocessor.timeout=900 \
      --ExecutePreprocessor.record_timing=False \
      --output-dir "$out" --output "$name" "$nb" >"$log" 2>&1; then
    echo "FAIL $nb: nbconvert failed; the end of $log:"
    tail -n 30 "$log" | sed 's/^/    /'
    ok=0
  elif ! "$PY" "$here/check.py" "$out/$name.ipynb"; then
    ok=0
  fi
  secs=$(( $(date +%s) - start ))
  if [ "$ok" = 1 ]; then
    passed=$((passed + 1))
    echo "notebook $name: ok in ${secs}s"
    if [ "$mode" = inplace ]; then
      cp "$out/$name.ipynb" "$nb"
    fi
  else
    failed=$((failed + 1))
    echo "notebook $name: FAILED after ${secs}s (executed copy: $out/$name.ipynb)"
  fi
done

if [ "$failed" -eq 0 ]; then
  rm -rf "$out"
else
  echo "run.sh: executed copies and logs kept in $out"
fi
echo "notebooks: ${passed} passed, ${failed} failed"
[ "$failed" -eq 0 ]
