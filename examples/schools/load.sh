#!/bin/sh
# examples/schools/load.sh [DB] — the schools walk-through of docs/methods/scan.md:
# Hampshire's 315 primary schools, Key Stage 2 2018-19 (../../../shared/data/schools/,
# DfE, Open Government Licence v3.0): reading, writing and maths progress scores with
# their 95% confidence limits, and context (disadvantage, English as an additional
# language, prior attainment); then a scan of each subject adjusted for disadvantage.
#   DB       database (default: $GAMEPLAN_DB, else gameplan.db); created if missing
#   GAMEPLAN binary (default: build/gameplan beside this repository's Makefile)
#   SCHOOLS  the DfE CSV (default: /work/shared/data/schools/hampshire_850_2018-19_ks2final.csv)
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
G=${GAMEPLAN:-$HERE/../../build/gameplan}
DB=${1:-${GAMEPLAN_DB:-gameplan.db}}
CSV=${SCHOOLS:-/work/shared/data/schools/hampshire_850_2018-19_ks2final.csv}
[ -f "$DB" ] || "$G" init --db "$DB" >/dev/null 2>&1
"$G" plan apply "$HERE/ks2-progress.json" --db "$DB"
for s in READ:reading WRIT:writing MAT:maths; do
  col=${s%%:*}; name=${s#*:}
  "$G" import unit-data "$CSV" --db "$DB" --metric "ks2-$name-progress" --period 2018/19 \
    --where RECTYPE=1 --unit URN --name SCHNAME --parent TOWN --unit-type school \
    --value "${col}PROG" --lower "${col}PROG_LOWER" --upper "${col}PROG_UPPER" \
    --covariates PTFSM6CLA1A,PTEALGRP2,TKS1AVERAGE --source "DfE KS2 2018-19 (URN, ${col}PROG)"
  "$G" scan --db "$DB" --metric "ks2-$name-progress" --adjust PTFSM6CLA1A --top 5
done
