#!/usr/bin/env bash
# Live (incremental) results of a large running conversation through the real
# store, against analysing it from scratch (what the results API did before):
#   bench/delib_live.sh [P S V U B THREADS]
# defaults: 200,000 participants, 1,000 statements, 10,000,000 vote events;
# 5 updates of 1,000 new votes each; 1 thread (the API's setting).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
make --no-print-directory build/bench/delib_live_bench >/dev/null
P=${1:-200000} S=${2:-1000} V=${3:-10000000} U=${4:-5} B=${5:-1000} T=${6:-1}
echo "== live results: $P participants x $S statements, $V votes; $U updates of $B votes"
/usr/bin/time -f "wall %e s, peak RSS %M KB" build/bench/delib_live_bench "$P" "$S" "$V" "$U" "$B" "$T"
