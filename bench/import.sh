#!/bin/sh
# bench/import.sh — how fast `gameplan import observations` loads a large CSV, against the
# sqlite3 shell's `.import --csv` of the same file into a bare table (the floor: no parsing of
# periods, no validation, no keys). Both run in this one invocation on the same file.
#
#   bench/import.sh                 # 1,000 places x 1,000 monthly periods = 1,000,000 rows
#   PLACES=100 PERIODS=100 bench/import.sh     # a quick smoke run (10,000 rows)
#
# Environment: GAMEPLAN (binary, default build/gameplan), PLACES, PERIODS, OUT (work folder,
# default bench/out, gitignored). Needs awk, sqlite3 and GNU time (/usr/bin/time, package
# "time"). Prints rows/s for both, the ratio, and peak RSS (maximum resident set size).
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${GAMEPLAN:-$ROOT/build/gameplan}
PLACES=${PLACES:-1000}
PERIODS=${PERIODS:-1000}
OUT=${OUT:-$ROOT/bench/out}
ROWS=$((PLACES * PERIODS))
CSV=$OUT/import-$PLACES-$PERIODS.csv
PLAN=$OUT/import-plan.json
DB=$OUT/import-ours.db
BARE=$OUT/import-bare.db
KEYED=$OUT/import-keyed.db
METRIC=bench-metric

[ -x "$BIN" ] || { echo "import.sh: no binary at $BIN (make build/gameplan)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "import.sh: /usr/bin/time missing (apt-get install time)" >&2; exit 2; }
command -v sqlite3 >/dev/null || { echo "import.sh: sqlite3 shell missing" >&2; exit 2; }
mkdir -p "$OUT"

# 1. The input: period,value,place. Periods are months from 1950-01 (PRODUCT.md's `2024-07`
#    form); places place-0001...; values from a Park-Miller generator (exact in doubles, so
#    every awk gives the same file), three decimals. Rows are grouped by place, then period.
if [ ! -s "$CSV" ]; then
  echo "generating $CSV ($ROWS rows)..."
  awk -v places="$PLACES" -v periods="$PERIODS" 'BEGIN {
    s = 20261122
    print "period,value,place"
    for (i = 1; i <= places; i++) {
      place = sprintf("place-%04d", i)
      for (p = 0; p < periods; p++) {
        s = (s * 16807) % 2147483647
        printf "%04d-%02d,%.3f,%s\n", 1950 + int(p / 12), p % 12 + 1, 100 * s / 2147483647, place
      }
    }
  }' > "$CSV.tmp"
  mv "$CSV.tmp" "$CSV"
fi
BYTES=$(wc -c < "$CSV")

# 2. A database with one mission whose plan defines the metric.
cat > "$PLAN" <<EOF
{"mission": {"id": "import-bench", "title": "Import benchmark"},
 "metrics": [{"id": "$METRIC", "name": "Benchmark metric", "unit": "units",
              "direction": "higher", "frequency": "monthly"}],
 "targets": []}
EOF
rm -f "$DB" "$DB-wal" "$DB-shm" "$BARE" "$KEYED"
"$BIN" init --db "$DB" >/dev/null 2>&1 || { echo "import.sh: gameplan init failed" >&2; exit 1; }
"$BIN" plan apply "$PLAN" --db "$DB" >/dev/null

now() { date +%s.%N; }
rss_kb() { awk -F': ' '/Maximum resident set size/ {print $2}' "$1"; }
cpu_s() { awk -F': ' '/User time|System time/ {t += $2} END {printf "%.2f", t}' "$1"; }
rate() { awk -v n="$1" -v t="$2" 'BEGIN { printf "%.0f", n / t }'; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

sync
# 3. Ours.
t0=$(now)
if ! /usr/bin/time -v -o "$OUT/import-ours.time" \
  "$BIN" import observations "$CSV" --metric "$METRIC" --db "$DB" > "$OUT/import-ours.out" 2>&1
then
  echo "import.sh: gameplan import observations failed:" >&2
  head -n 20 "$OUT/import-ours.out" >&2
  exit 1
fi
t1=$(now)
ours_s=$(secs "$t0" "$t1")
ours_rows=$(sqlite3 "$DB" "SELECT count(*) FROM observations o JOIN series s ON s.id = o.series_id WHERE s.metric_id = '$METRIC';" \
  2>/dev/null || echo "?")

# 4. The peer: the sqlite3 shell's CSV import into a bare table (one transaction).
sqlite3 "$BARE" "CREATE TABLE obs (period TEXT, value REAL, place TEXT);"
t0=$(now)
/usr/bin/time -v -o "$OUT/import-bare.time" \
  sqlite3 "$BARE" ".import --csv --skip 1 $CSV obs"
t1=$(now)
bare_s=$(secs "$t0" "$t1")
bare_rows=$(sqlite3 "$BARE" "SELECT count(*) FROM obs;")

# 5. For context: the same import into a table keyed like ours (WITHOUT ROWID primary key).
sqlite3 "$KEYED" "CREATE TABLE obs (period TEXT, value REAL, place TEXT,
                  PRIMARY KEY (place, period)) WITHOUT ROWID;"
t0=$(now)
/usr/bin/time -v -o "$OUT/import-keyed.time" \
  sqlite3 "$KEYED" ".import --csv --skip 1 $CSV obs"
t1=$(now)
keyed_s=$(secs "$t0" "$t1")

if [ "$ours_rows" != "$ROWS" ]; then
  echo "import.sh: warning: gameplan stored $ours_rows rows, expected $ROWS" >&2
fi
ours_rate=$(rate "$ROWS" "$ours_s")
bare_rate=$(rate "$ROWS" "$bare_s")
keyed_rate=$(rate "$ROWS" "$keyed_s")
echo
echo "input: $CSV ($ROWS data rows, $BYTES bytes; $PLACES places x $PERIODS monthly periods)"
echo "(wall = elapsed seconds; cpu = user + system seconds; the machine may be shared)"
printf '%-44s wall %7s s  cpu %6s s %9s rows/s  peak RSS %6s KiB  rows stored %s\n' \
  "gameplan import observations" "$ours_s" "$(cpu_s "$OUT/import-ours.time")" "$ours_rate" \
  "$(rss_kb "$OUT/import-ours.time")" "$ours_rows"
printf '%-44s wall %7s s  cpu %6s s %9s rows/s  peak RSS %6s KiB  rows stored %s\n' \
  "sqlite3 .import --csv (bare table)" "$bare_s" "$(cpu_s "$OUT/import-bare.time")" \
  "$bare_rate" "$(rss_kb "$OUT/import-bare.time")" "$bare_rows"
printf '%-44s wall %7s s  cpu %6s s %9s rows/s  peak RSS %6s KiB\n' \
  "sqlite3 .import --csv (keyed, WITHOUT ROWID)" "$keyed_s" "$(cpu_s "$OUT/import-keyed.time")" \
  "$keyed_rate" "$(rss_kb "$OUT/import-keyed.time")"
awk -v a="$(cpu_s "$OUT/import-ours.time")" -v b="$(cpu_s "$OUT/import-bare.time")" 'BEGIN {
  printf "ratio (gameplan cpu time / sqlite3 bare cpu time): %.2f\n", a / b
}'
awk -v a="$ours_s" -v b="$bare_s" -v c="$keyed_s" 'BEGIN {
  printf "ratio (gameplan wall time / sqlite3 bare wall time): %.2f\n", a / b
  printf "ratio (gameplan wall time / sqlite3 keyed wall time): %.2f\n", a / c
}'
echo "gameplan said:"
head -n 20 "$OUT/import-ours.out" | sed "s/^/  /"
