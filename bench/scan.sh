#!/bin/sh
# bench/scan.sh — `gameplan scan` on a synthetic national data set against a vectorised
# NumPy/SciPy implementation of the same method (tests/reference/scan_numpy.py), in one run:
# logistic risk adjustment on 5 covariates, additive overdispersion, FDR, persistence over
# every period; then `gameplan peers` for one unit among them.
#
#   bench/scan.sh                           # 1,000,000 units x 10 periods, 5 covariates
#   UNITS=20000 PERIODS=3 bench/scan.sh     # a quick smoke run
#
# Environment: GAMEPLAN (binary, default build/gameplan), UNITS, PERIODS, OUT (work folder,
# default bench/out, gitignored), PY (default /usr/bin/python3 with Debian numpy/scipy).
# Needs GNU time (/usr/bin/time). Prints wall time and peak RSS of both scans, their ratio,
# the key numbers of both (they must agree), and the time of five peers look-ups.
# The peer runs twice: as it always has (the full scan of every period), and with
# --lean, taking the same shortcuts gameplan takes for the earlier periods (IRLS from
# the newest period's coefficients, first-level flags only); both ratios are printed.
# The imports are timed too but are not part of the ratio (the peer reads .npz files).
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${GAMEPLAN:-$ROOT/build/gameplan}
UNITS=${UNITS:-1000000}
PERIODS=${PERIODS:-10}
OUT=${OUT:-$ROOT/bench/out}/scan-$UNITS-$PERIODS
PY=${PY:-/usr/bin/python3}
DB=$OUT/scan.db
FIRST=2015
LAST=$((FIRST + PERIODS - 1))
METRIC=bench-scan

[ -x "$BIN" ] || { echo "scan.sh: no binary at $BIN (make build/gameplan)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "scan.sh: /usr/bin/time missing (apt-get install time)" >&2; exit 2; }
mkdir -p "$OUT"

# 1. the data (fixed seed)
if [ ! -s "$OUT/scan-data-$LAST.npz" ]; then
  echo "generating $UNITS units x $PERIODS periods in $OUT ..."
  "$PY" "$ROOT/bench/scan_data.py" "$UNITS" "$PERIODS" "$OUT"
fi

# 2. the database: one metric, every period imported
if [ ! -s "$OUT/imported" ]; then
  rm -f "$DB" "$DB-wal" "$DB-shm"
  "$BIN" init --db "$DB" >/dev/null 2>&1
  cat > "$OUT/plan.json" <<PLAN
{"mission": {"id": "scan-bench", "title": "Scan benchmark"},
 "metrics": [{"id": "$METRIC", "name": "Share meeting the standard", "unit": "proportion",
              "direction": "higher", "frequency": "annual"}],
 "targets": []}
PLAN
  "$BIN" plan apply "$OUT/plan.json" --db "$DB" >/dev/null
  y=$FIRST
  while [ $y -le $LAST ]; do
    /usr/bin/time -f "import $y: %e s, %M KB" "$BIN" import unit-data "$OUT/scan-data-$y.csv" \
      --db "$DB" --metric $METRIC --period $y --unit unit --numerator num --denominator den \
      --covariates x1,x2,x3,x4,x5 >/dev/null
    y=$((y + 1))
  done
  echo done > "$OUT/imported"
fi

# 3. the two scans, one after the other on the same machine
echo "== gameplan scan ($UNITS units x $PERIODS periods)"
# Large arrays on transparent huge pages (glibc's documented tunable): fewer
# page faults while a million-unit period is set up. Results are the same.
GLIBC_TUNABLES=glibc.malloc.hugetlb=1 \
/usr/bin/time -f "%e %M %U %S" -o "$OUT/ours.time" "$BIN" scan --db "$DB" --metric $METRIC \
  --type proportion --adjust x1,x2,x3,x4,x5 --overdispersion additive --fdr 0.05 \
  --history "$PERIODS" --top 3 > "$OUT/ours.out"
sed -n 1,7p "$OUT/ours.out"
echo "== NumPy/SciPy peer"
/usr/bin/time -f "%e %M %U %S" -o "$OUT/numpy.time" "$PY" "$ROOT/bench/scan_numpy.py" "$OUT" $FIRST \
  "$PERIODS" > "$OUT/numpy.out"
cat "$OUT/numpy.out"
echo "== NumPy/SciPy peer, lean (the same shortcuts for the earlier periods)"
/usr/bin/time -f "%e %M %U %S" -o "$OUT/numpy-lean.time" "$PY" "$ROOT/bench/scan_numpy.py" "$OUT" \
  $FIRST "$PERIODS" --lean > "$OUT/numpy-lean.out"
cat "$OUT/numpy-lean.out"
read ot om ou os < "$OUT/ours.time"
read nt nm nu ns < "$OUT/numpy.time"
read lt lm lu ls < "$OUT/numpy-lean.time"
echo "== result"
echo "gameplan scan: $ot s wall ($ou s user, $os s system), peak RSS $((om / 1024)) MB"
echo "numpy/scipy  : $nt s wall ($nu s user, $ns s system), peak RSS $((nm / 1024)) MB"
echo "numpy lean   : $lt s wall ($lu s user, $ls s system), peak RSS $((lm / 1024)) MB"
awk -v a="$ot" -v b="$nt" -v c="$ou" -v d="$os" -v e="$nu" -v f="$ns" 'BEGIN {
  printf "ratio (numpy / gameplan): %.1fx wall, %.1fx CPU (user + system)\n", b / a, (e + f) / (c + d) }'
awk -v a="$ot" -v b="$lt" -v c="$ou" -v d="$os" -v e="$lu" -v f="$ls" 'BEGIN {
  printf "ratio (numpy lean / gameplan): %.1fx wall, %.1fx CPU (user + system)\n", b / a, (e + f) / (c + d) }'

# 4. peers for one unit among them (the scan above saved its flags)
echo "== gameplan peers (5 runs, one unit among $UNITS)"
UNIT=$(printf 'u%07d' $((UNITS / 2)))
i=0
while [ $i -lt 5 ]; do
  /usr/bin/time -f "peers: %e s wall (%U s user, %S s system), %M KB" "$BIN" peers --db "$DB" --metric $METRIC --unit "$UNIT" \
    --k 10 > "$OUT/peers.out"
  i=$((i + 1))
done
head -3 "$OUT/peers.out"
