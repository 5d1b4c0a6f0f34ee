#!/usr/bin/env bash
# Full batch past memory on the real binary: `kmeans train --use-mini-batch false --memory-limit BUDGET` on a
# float32 .npy FACTOR times the budget. Prints, round by round in one run, the rate of reading the file
# (`cat FILE > /dev/null`) and of one full-batch step (GB/s), and the peak RSS of each training process
# (/usr/bin/time's maximum resident set size); then the same training in memory, whose centres must be equal.
#
#   bash Benchmarks/outofcore.sh VENV [BUDGET_MIB=64] [FACTOR=4] [ROUNDS=3] [STEPS=3]
#
# VENV: a Python venv with numpy (writes the data: 16 Gaussian blobs in 16 dimensions, seeded). Builds the release
# binary first. Scratch files go to a temporary directory, removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${1:?usage: bash Benchmarks/outofcore.sh VENV [BUDGET_MIB] [FACTOR] [ROUNDS] [STEPS]}
budget_mib=${2:-64} factor=${3:-4} rounds=${4:-3} steps=${5:-3}
swift build -c release --product kmeans >/dev/null
kmeans=$PWD/.build/release/kmeans
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rows=$(( budget_mib * 1048576 * factor / 64 ))
"$venv/bin/python" - "$work/x.npy" "$rows" <<'PY'
import sys, numpy as np
path, rows = sys.argv[1], int(sys.argv[2])
rng = np.random.default_rng(0)
centers = rng.uniform(-10, 10, size=(16, 16)).astype('<f4')
x = np.lib.format.open_memmap(path, mode='w+', dtype='<f4', shape=(rows, 16))
for start in range(0, rows, 1 << 20):
    end = min(rows, start + (1 << 20))
    x[start:end] = centers[rng.integers(0, 16, end - start)] + rng.normal(size=(end - start, 16)).astype('<f4')
x.flush()
PY
bytes=$(stat -c %s "$work/x.npy")
echo "uptime: $(uptime)"
echo "data: $rows x 16 float32, $bytes bytes; budget ${budget_mib} MiB ($(( bytes / (budget_mib * 1048576) ))x); k = 16; $(nproc) cores"
common=(--data "$work/x.npy" --num-clusters 16 --initial-clusters random --random-seed 1 --use-mini-batch false --quiet --format json)
rate() { awk -v b="$bytes" -v s="$1" -v n="$2" 'BEGIN { printf "%.2f", b * n / s / 1e9 }'; }
# The first run initialises (random rows read by index) and takes one step.
/usr/bin/time -f "%e %M" -o "$work/t" "$kmeans" train --model-dir "$work/streamed" --steps 1 --memory-limit "${budget_mib}M" "${common[@]}" >/dev/null
read -r seconds kib <"$work/t"
echo "round 0: init + 1 step ${seconds} s, peak RSS $(( kib / 1024 )) MiB"
for round in $(seq 1 "$rounds"); do
    start=$(date +%s.%N); cat "$work/x.npy" >/dev/null; end=$(date +%s.%N)
    cat_rate=$(rate "$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')" 1)
    /usr/bin/time -f "%e %M" -o "$work/t" "$kmeans" train --model-dir "$work/streamed" --steps "$steps" --memory-limit "${budget_mib}M" "${common[@]}" >/dev/null
    read -r seconds kib <"$work/t"
    echo "round $round: cat ${cat_rate} GB/s; ${steps} steps ${seconds} s = $(rate "$seconds" "$steps") GB/s per step (process start and checkpoint save included); peak RSS $(( kib / 1024 )) MiB (budget + $(( kib / 1024 - budget_mib )) MiB)"
done
total=$(( 1 + rounds * steps ))
/usr/bin/time -f "%e %M" -o "$work/t" "$kmeans" train --model-dir "$work/memory" --steps "$total" "${common[@]}" >/dev/null
read -r seconds kib <"$work/t"
echo "in memory: $total steps ${seconds} s, peak RSS $(( kib / 1024 )) MiB"
if cmp -s <("$kmeans" centers --model-dir "$work/streamed" --format json) <("$kmeans" centers --model-dir "$work/memory" --format json); then
    echo "centres after $total steps: streamed = in memory"
else
    echo "centres after $total steps: DIFFER"; exit 1
fi
echo "uptime: $(uptime)"
