#!/usr/bin/env bash
# Status benchmark: 1,000 targets with 120 monthly observations each
# (10 missions x 100 metrics, one committed target per metric), then
#   1. `gameplan status --json` over all of them, timed (hyperfine if present,
#      else the best of 10 runs with /usr/bin/time);
#   2. wrk against GET /api/v1/missions/{id}/status (a 100-target mission and
#      the demo's poverty mission) on 2 threads, 50 connections, 10 s each.
# Usage: bench/status.sh            (GAMEPLAN=path/to/gameplan to override)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
G=${GAMEPLAN:-$here/build/gameplan}
out=$here/bench/out/status
rm -rf "$out" && mkdir -p "$out"
db=$out/status.db
"$G" init --db "$db" > /dev/null 2>&1
/usr/bin/python3 - "$out" <<'PY'
import json, math, random, sys
out = sys.argv[1]
rnd = random.Random(42)
for m in range(10):
    mid = f"bench-{m:02d}"
    plan = {"mission": {"id": mid, "title": f"Bench mission {m}"}, "metrics": [], "targets": []}
    rows = ["period,value"]
    for k in range(100):
        met = f"{mid}-m{k:03d}"
        plan["metrics"].append({"id": met, "name": f"Metric {k}", "direction": "lower" if k % 2 else "higher", "frequency": "monthly"})
        plan["targets"].append({"id": f"t{k:03d}", "metric": met, "kind": "committed",
                                "baseline": {"period": "2015-01", "value": 100},
                                "target": {"period": "2030-01", "value": 80 if k % 2 else 120}})
        with open(f"{out}/{met}.csv", "w") as f:
            f.write("period,value\n")
            for i in range(120):
                y, mo = 2015 + i // 12, i % 12 + 1
                v = 100 + (1 if k % 2 == 0 else -1) * 0.15 * i + rnd.gauss(0, 2)
                f.write(f"{y}-{mo:02d},{v:.3f}\n")
    json.dump(plan, open(f"{out}/{mid}.json", "w"))
PY
for m in 00 01 02 03 04 05 06 07 08 09; do
  "$G" plan apply "$out/bench-$m.json" --db "$db" > /dev/null
  "$G" mission publish "bench-$m" --db "$db" > /dev/null
  for f in "$out"/bench-$m-m*.csv; do
    "$G" import observations "$f" --metric "$(basename "$f" .csv)" --db "$db" > /dev/null
  done
done
n=$("$G" status --json --db "$db" | /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)["targets"]))')
echo "status: $n targets, 120 monthly observations each"
if command -v hyperfine > /dev/null; then
  hyperfine -N --warmup 3 --runs 20 "$G status --json --db $db" --export-markdown "$out/status.md"
else
  best=999
  for _ in $(seq 10); do
    s=$( { /usr/bin/time -f '%e' "$G" status --json --db "$db" > /dev/null; } 2>&1 )
    best=$(echo "$s $best" | awk '{print ($1<$2)?$1:$2}')
  done
  echo "status --json, best of 10: ${best}s"
fi

if command -v wrk > /dev/null; then
  demo=$out/demo.db
  "$G" demo --db "$demo" --no-serve --examples "$here/examples" > /dev/null 2>&1
  port=18099
  "$G" serve --db "$db" --port $port > /dev/null 2>&1 & p1=$!
  "$G" serve --db "$demo" --port $((port+1)) > /dev/null 2>&1 & p2=$!
  trap 'kill $p1 $p2 2>/dev/null || true' EXIT
  sleep 1
  echo "wrk: GET /api/v1/missions/bench-00/status (100 targets x 120 observations)"
  wrk -t2 -c50 -d10s --latency "http://127.0.0.1:$port/api/v1/missions/bench-00/status" | grep -E 'Requests/sec|99%|Latency '
  echo "wrk: GET /api/v1/missions/poverty/status (demo: 2 targets, 10 provinces)"
  wrk -t2 -c50 -d10s --latency "http://127.0.0.1:$((port+1))/api/v1/missions/poverty/status" | grep -E 'Requests/sec|99%|Latency '
fi

# The computation alone, in one process (no start-up, no serialisation).
if [ -x "${STATUS_BENCH:-$here/build/bench/status_bench}" ]; then
  "${STATUS_BENCH:-$here/build/bench/status_bench}" "$db" 20
fi
