#!/usr/bin/env bash
# Runs scikit-learn and FAISS on the same .npy files as the Swift benchmark and prints one comparison table.
#   bash Benchmarks/peers.sh [--cases A,B,C,D] [--repeats 3] [--threads 2] [--skip-slow]
# Run `swift run -c release KMeansBenchmarks` first: it writes the data, initial centres and its own results.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=Benchmarks/.venv
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import sklearn, faiss, threadpoolctl" 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet scikit-learn faiss-cpu threadpoolctl numpy
fi
threads=2
for ((i = 1; i <= $#; i++)); do
    if [ "${!i}" = "--threads" ]; then j=$((i + 1)); threads="${!j}"; fi
done
# OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE may be set on these machines and force a slower BLAS kernel: unset both.
echo "peer run: unsetting OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE; $threads threads for every library; $(uptime)"
exec env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
    OMP_NUM_THREADS="$threads" OPENBLAS_NUM_THREADS="$threads" MKL_NUM_THREADS="$threads" \
    "$venv/bin/python" Benchmarks/peers.py "$@"
