#!/usr/bin/env bash
# Runs scikit-learn, scikit-learn-intelex, FAISS and mlpack on the same .npy files as the Swift benchmark and prints
# the side-by-side tables.
#   bash Benchmarks/peers.sh [--cases A,B,C,D] [--repeats 3] [--threads 2] [--skip-slow] [--peers sklearn,mlpack]
# Run `swift run -c release KMeansBenchmarks` first (or Benchmarks/compare.sh, which runs both): it writes the data,
# initial centres and its own results. KMEANS_PEERS_VENV=DIR uses an existing venv instead of Benchmarks/.venv.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${KMEANS_PEERS_VENV:-Benchmarks/.venv}
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import sklearn, sklearnex, faiss, mlpack, threadpoolctl" 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet scikit-learn scikit-learn-intelex faiss-cpu mlpack threadpoolctl numpy
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
