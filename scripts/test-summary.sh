#!/usr/bin/env bash
# Reads the TRX files under a results folder and prints one line: "N passed, N failed, N skipped".
# Exits non-zero when no result file exists or no test ran.
set -euo pipefail
dir=${1:-TestResults}
shopt -s nullglob
files=("$dir"/*.trx)
if [ ${#files[@]} -eq 0 ]; then
  echo "No test results in $dir" >&2
  exit 1
fi
passed=0 failed=0 skipped=0
executed_all=0
value() { local v; v=$(sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p" <<<"$counters"); echo "${v:-0}"; }
for f in "${files[@]}"; do
  counters=$(grep -o '<Counters [^>]*>' "$f" | head -n1 || true)
  if [ -z "$counters" ]; then
    echo "No counters in $f (the test run was cut short)" >&2
    failed=$((failed + 1))
    continue
  fi
  total=$(value total); executed=$(value executed)
  passed=$((passed + $(value passed)))
  failed=$((failed + $(value failed) + $(value error) + $(value timeout) + $(value aborted)))
  skipped=$((skipped + total - executed))
  executed_all=$((executed_all + executed))
done
echo "$passed passed, $failed failed, $skipped skipped"
[ "$executed_all" -gt 0 ] || { echo "No test ran." >&2; exit 1; }
