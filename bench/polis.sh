#!/usr/bin/env bash
# Benchmarks of the deliberation engine (results: bench/RESULTS-polis.md).
#   bench/polis.sh            all three: vTaiwan, the 1M x 2,000 x 50M synthetic, the sklearn ratio
#   bench/polis.sh vtaiwan | synthetic | incremental | sklearn
# THREADS (default 2) sets our worker threads; the peer uses what numpy/sklearn use.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
threads=${THREADS:-2}
data=${GP_POLIS_DATA:-../shared/data/polis}
out=build/bench
mkdir -p "$out"
gcc -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -O2 -Isrc -o "$out/polis_bench" \
  bench/polis_bench.c src/engine/gp_polis_*.c src/io/gp_polisio.c src/util/gp_error.c \
  src/util/gp_arena.c -lm -lpthread
what=${1:-all}

if [ "$what" = all ] || [ "$what" = vtaiwan ]; then
  echo "== vTaiwan (Uber): read the export, full analysis"
  "$out/polis_bench" export "$data/vtaiwan.uberx" 20 1
  "$out/polis_bench" export "$data/vtaiwan.uberx" 20 "$threads"
  "$out/polis_bench" export "$data/scoop-hivemind.ubi" 20 1
  if [ -x build/gameplan ] && command -v hyperfine >/dev/null; then
    hyperfine -N --warmup 3 --runs 20 \
      "build/gameplan deliberation analyse $data/vtaiwan.uberx --json" 2>/dev/null | sed -n 1,3p ||
      echo "(hyperfine failed: is build/gameplan being rebuilt?)"
  fi
fi

if [ "$what" = all ] || [ "$what" = synthetic ]; then
  echo "== synthetic: 1,000,000 participants x 2,000 statements, 50,000,000 votes, $threads threads"
  /usr/bin/time -f "wall %e s, peak RSS %M KB" \
    "$out/polis_bench" synthetic 1000000 2000 50000000 "$threads" 1
fi

if [ "$what" = all ] || [ "$what" = incremental ]; then
  echo "== incremental update: the last 1% of the votes, warm-started from the update before"
  "$out/polis_bench" incremental 1000000 2000 50000000 "$threads" 1
fi

if [ "$what" = all ] || [ "$what" = sklearn ]; then
  echo "== against scikit-learn: PCA + KMeans on the same imputed 100,000 x 1,000 matrix"
  f="$out/polis_100k_1k.bin"
  [ -f "$f" ] || "$out/polis_bench" gen 100000 1000 5000000 7 "$f"
  ours=$("$out/polis_bench" pcakm "$f" 100000 1000 "$threads" | tee /dev/stderr | awk '/OURS_SECONDS/{print $2}')
  peer=$(/usr/bin/python3 bench/polis_peer.py "$f" 100000 1000 | tee /dev/stderr)
  p1=$(echo "$peer" | awk '/^PEER_SECONDS /{print $2}')
  p2=$(echo "$peer" | awk '/^PEER_SECONDS_WITH_IMPUTATION/{print $2}')
  awk -v o="$ours" -v p="$p1" -v q="$p2" 'BEGIN{printf "ratio (sklearn PCA+KMeans / ours): %.1fx; with the imputation sklearn needs: %.1fx\n", p/o, q/o}'
fi
