#!/usr/bin/env bash
# One command for the final side-by-side tables: the Swift benchmark, then every peer on the same files, with the
# load average printed before and after each. Run it on a quiet machine (load average below 0.5).
#   bash Benchmarks/compare.sh [--cases A,B,C,D] [--repeats 5] [--threads 2] [--skip-slow]
# Options are passed to both sides (--skip-slow only to the peers).
set -euo pipefail
cd "$(dirname "$0")/.."
swift_args=() peer_args=()
while [ $# -gt 0 ]; do
    case "$1" in
    --skip-slow) peer_args+=("$1"); shift ;;
    --peers) peer_args+=("$1" "$2"); shift 2 ;;
    *) swift_args+=("$1" "$2"); peer_args+=("$1" "$2"); shift 2 ;;
    esac
done
echo "before: $(uptime)"
swift build -c release --product KMeansMemoryProbe >/dev/null
swift run -c release KMeansBenchmarks "${swift_args[@]}"
echo "between: $(uptime)"
bash Benchmarks/peers.sh "${peer_args[@]}"
echo "after: $(uptime)"
