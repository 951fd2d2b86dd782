#!/bin/sh
# bench/trial.sh — `gameplan trial analyse` (Lin regression adjustment, HC2, streamed in two
# passes over the CSV) against statsmodels OLS(cov_type="HC2") with the same Lin design
# (Debian python3-statsmodels, pandas.read_csv), in one run on the same file.
#
#   bench/trial.sh                      # 10,000,000 rows, 2 arms, 5 covariates
#   N=200000 bench/trial.sh             # a quick smoke run
#   PY_N=2000000 bench/trial.sh         # give statsmodels only the first PY_N rows
#
# Environment: GAMEPLAN (binary, default build/gameplan), N, PY_N (default N), OUT (work
# folder, default bench/out). Needs cc, /usr/bin/python3 with pandas and statsmodels, and GNU
# time (/usr/bin/time). Prints seconds, rows/s and peak RSS for each, the ratio of rows/s, and
# the two estimates of the treatment effect and its HC2 standard error (when PY_N = N).
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${GAMEPLAN:-$ROOT/build/gameplan}
N=${N:-10000000}
PY_N=${PY_N:-$N}
OUT=${OUT:-$ROOT/bench/out}
CSV=$OUT/trial-$N.csv
[ -x "$BIN" ] || { echo "trial.sh: no binary at $BIN (make build/gameplan)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "trial.sh: /usr/bin/time missing (apt-get install time)" >&2; exit 2; }
mkdir -p "$OUT"

# 1. The input: arm,y,x1..x5. A fixed xorshift64* stream and Box–Muller normals, so every
#    machine writes the same file. True treatment effect 0.2; heteroskedastic noise.
if [ ! -s "$CSV" ]; then
  echo "generating $CSV ($N rows)..."
  cat > "$OUT/trial_gen.c" <<'C'
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
static uint64_t s = 0x9e3779b97f4a7c15ULL;
static double u01(void) {
  s ^= s >> 12; s ^= s << 25; s ^= s >> 27;
  return ((s * 2685821657736338717ULL) >> 11) * 0x1.0p-53 + 0x1.0p-54;
}
static double nrm(void) { return sqrt(-2 * log(u01())) * cos(6.283185307179586 * u01()); }
int main(int argc, char **argv) {
  long n = strtol(argv[1], NULL, 10);
  static char buf[1 << 20];
  setvbuf(stdout, buf, _IOFBF, sizeof buf);
  puts("arm,y,x1,x2,x3,x4,x5");
  for (long i = 0; i < n; i++) {
    int t = u01() < 0.5;
    double x[5], y = 1.0 + 0.2 * t;
    for (int j = 0; j < 5; j++) { x[j] = nrm() + j; y += 0.1 * (j + 1) * x[j]; }
    y += nrm() * (t ? 1.5 : 1.0);
    printf("%s,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f\n", t ? "treat" : "control", y, x[0], x[1], x[2],
           x[3], x[4]);
  }
  return 0;
}
C
  cc -O2 -o "$OUT/trial_gen" "$OUT/trial_gen.c" -lm
  "$OUT/trial_gen" "$N" > "$CSV"
fi
ls -l "$CSV" | awk '{printf "input: %s, %.0f MB\n", $9, $5 / 1e6}'

# 2. Ours.
/usr/bin/time -f "%e %U %S %M" -o "$OUT/trial-ours.time" "$BIN" trial analyse "$CSV" --outcome y \
  --arm arm --control control --covariates x1,x2,x3,x4,x5 --json > "$OUT/trial-ours.json"
read OURS_S OURS_U OURS_SYS OURS_KB < "$OUT/trial-ours.time"

# 3. statsmodels on the first PY_N rows.
cat > "$OUT/trial_sm.py" <<'PY'
import json, sys, time
import numpy as np, pandas as pd, statsmodels.api as sm
path, n = sys.argv[1], int(sys.argv[2])
t0 = time.time()
d = pd.read_csv(path, nrows=n)
t1 = time.time()
t = (d["arm"].values == "treat").astype(float)
X = d[["x1", "x2", "x3", "x4", "x5"]].values
Xc = X - X.mean(axis=0)
D = np.column_stack([np.ones(len(t)), t, Xc, t[:, None] * Xc])
fit = sm.OLS(d["y"].values, D).fit(cov_type="HC2")
t2 = time.time()
print(json.dumps({"rows": len(t), "read_s": t1 - t0, "fit_s": t2 - t1,
                  "estimate": float(fit.params[1]), "std_error": float(fit.bse[1])}))
PY
/usr/bin/time -f "%e %U %S %M" -o "$OUT/trial-sm.time" /usr/bin/python3 "$OUT/trial_sm.py" "$CSV" \
  "$PY_N" > "$OUT/trial-sm.json"
read SM_S SM_U SM_SYS SM_KB < "$OUT/trial-sm.time"

/usr/bin/python3 - "$OUT" "$N" "$PY_N" "$OURS_S" "$OURS_KB" "$SM_S" "$SM_KB" \
  "$OURS_U" "$OURS_SYS" "$SM_U" "$SM_SYS" <<'PY'
import json, sys
out, n, pyn, os_, okb, ss, skb = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), \
    float(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6]), float(sys.argv[7])
ocpu = float(sys.argv[8]) + float(sys.argv[9])
scpu = float(sys.argv[10]) + float(sys.argv[11])
ours = json.load(open(out + "/trial-ours.json"))
lin = [c for c in ours["comparisons"] if c["estimator"] == "lin"][0]
sm = json.load(open(out + "/trial-sm.json"))
ro, rs = n / os_, pyn / ss
print("%-24s %10s %9s %12s %9s %14s %11s" % ("", "rows", "wall s", "rows/s", "CPU s",
                                             "rows/CPU-s", "peak RSS MB"))
print("%-24s %10d %9.2f %12.0f %9.2f %14.0f %11.1f" % ("gameplan trial analyse", n, os_, ro,
                                                      ocpu, n / ocpu, okb / 1024))
print("%-24s %10d %9.2f %12.0f %9.2f %14.0f %11.1f" % ("statsmodels OLS HC2", pyn, ss, rs,
                                                      scpu, pyn / scpu, skb / 1024))
print("  (statsmodels: read_csv %.2f s, design + fit %.2f s)" % (sm["read_s"], sm["fit_s"]))
print("ratio ours/statsmodels: %.1fx rows per wall second, %.1fx rows per CPU second; "
      "peak memory %.0fx less" % (ro / rs, (n / ocpu) / (pyn / scpu), skb / okb))
print("estimate  ours %.12g  statsmodels %.12g" % (lin["estimate"], sm["estimate"]))
print("std_error ours %.12g  statsmodels %.12g" % (lin["std_error"], sm["std_error"]))
if pyn == n:
    rel = max(abs(lin["estimate"] - sm["estimate"]) / abs(sm["estimate"]),
              abs(lin["std_error"] - sm["std_error"]) / abs(sm["std_error"]))
    print("largest relative difference: %.2g" % rel)
PY
