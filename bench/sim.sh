#!/usr/bin/env bash
# Benchmark of the game plan simulation (issue 3, "Performance"):
# a generated plan with 200 activities, 1,000 edges and 10 yearly periods
# (bench/sim_plan_gen.py), DRAWS draws (default 1,000,000) with
#   - gameplan simulate, 1 thread and 2 threads (their --json must be identical),
#   - the NumPy implementation of the same contract, vectorised over draws and
#     chunked (tests/reference/sim_ref.py --mode bench), one thread,
# in one run on the same machine. Prints wall and CPU seconds, draws/s and the
# ratios. Usage: bench/sim.sh [DRAWS] (NUMPY_DRAWS=... to run NumPy on fewer
# draws and scale; its throughput does not depend on the draw count).
set -euo pipefail
cd "$(dirname "$0")/.."
DRAWS=${1:-1000000}
NUMPY_DRAWS=${NUMPY_DRAWS:-$DRAWS}
CHUNK=${CHUNK:-10000}
make -s build/gameplan >/dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
/usr/bin/python3 bench/sim_plan_gen.py > "$tmp/plan.json"
build/gameplan plan check "$tmp/plan.json" >/dev/null
echo "plan: 200 activities, 1000 edges, 10 yearly periods; $DRAWS draws (NumPy: $NUMPY_DRAWS, chunk $CHUNK)"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
run() { # label, command...: prints "label wall cpu maxrss_kb"
  local label=$1; shift
  /usr/bin/time -f "%e %U %S %M" -o "$tmp/time" "$@" > "$tmp/$label.out"
  read -r wall user sys rss < "$tmp/time"
  echo "$label $wall $(echo "$user + $sys" | bc) $rss"
}
r1=$(run gameplan_t1 env OMP_NUM_THREADS=1 build/gameplan simulate "$tmp/plan.json" --draws "$DRAWS" --seed 1 --threads 1 --json)
r2=$(run gameplan_t2 env OMP_NUM_THREADS=1 build/gameplan simulate "$tmp/plan.json" --draws "$DRAWS" --seed 1 --threads 2 --json)
if cmp -s "$tmp/gameplan_t1.out" "$tmp/gameplan_t2.out"; then same=yes; else same=NO; fi
rn=$(run numpy env OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 /usr/bin/python3 tests/reference/sim_ref.py --mode bench --plan "$tmp/plan.json" --draws "$NUMPY_DRAWS" --chunk "$CHUNK")
/usr/bin/python3 - "$DRAWS" "$NUMPY_DRAWS" "$r1" "$r2" "$rn" "$same" "$tmp/gameplan_t1.out" "$tmp/numpy.out" <<'PY'
import json, sys
draws, ndraws = int(sys.argv[1]), int(sys.argv[2])
rows = [a.split() for a in sys.argv[3:6]]
same, ours, peer = sys.argv[6], json.load(open(sys.argv[7])), json.loads(open(sys.argv[8]).read())
print("%-14s %10s %10s %12s %12s %10s" % ("run", "wall s", "cpu s", "draws/s wall", "draws/s cpu", "max RSS MB"))
rate = {}
for (label, wall, cpu, rss), n in zip(rows, [draws, draws, ndraws]):
    wall, cpu = float(wall), float(cpu)
    rate[label] = (n / wall, n / cpu)
    print("%-14s %10.1f %10.1f %12.0f %12.0f %10.0f" % (label, wall, cpu, n / wall, n / cpu, int(rss) / 1024))
t1, t2, npy = rate["gameplan_t1"], rate["gameplan_t2"], rate["numpy"]
print("gameplan 1 thread / NumPy: %.1fx (wall), %.1fx (cpu)" % (t1[0] / npy[0], t1[1] / npy[1]))
print("gameplan 2 threads / 1 thread (wall): %.2fx" % (t2[0] / t1[0]))
print("--json identical for 1 and 2 threads: %s" % same)
print("p_meet gameplan: %s; NumPy: %s" % ([round(t["p_meet"], 4) for t in ours["targets"]], [round(p, 4) for p in peer["p_meet"]]))
PY
