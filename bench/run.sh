#!/usr/bin/env bash
# Runs every benchmark in bench/ (bench/*.sh except this one), one after the
# other, printing each one's figures. `make bench` calls this after building.
# Each script runs gameplan and its peer on the same input in one run and
# prints the ratio; results and the commands are recorded in bench/RESULTS.md.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
status=0
for b in "$here"/*.sh; do
  [ "$(basename "$b")" = run.sh ] && continue
  echo "=== $(basename "$b")"
  bash "$b" || { echo "!!! $(basename "$b") failed"; status=1; }
done
exit $status
