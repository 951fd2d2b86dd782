#!/usr/bin/env bash
# Runs each unit-test program given, prints its output, and ends with a
# total line. Exits non-zero if any program failed.
set -u
pass=0; fail=0; failed=()
for t in "$@"; do
  if out=$("$t" 2>&1); then
    pass=$((pass+1))
  else
    fail=$((fail+1)); failed+=("$t")
  fi
  printf '%s\n' "$out" | grep -E '^\[  (PASSED|FAILED)|^\[  ERROR|^\[  FAILED|ERROR|runtime error|Sanitizer' || true
done
echo "unit programs: $pass passed, $fail failed"
if [ $fail -gt 0 ]; then
  for t in "${failed[@]}"; do echo "--- $t"; "$t" 2>&1 | tail -40; done
  exit 1
fi
