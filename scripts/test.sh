#!/usr/bin/env bash
# Sets up what is missing, runs every test (unit, integration against a real RabbitMQ and
# Azurite, end-to-end through the real AppHost), and ends with one line: "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh || exit 1

results=$(mktemp -d)
dotnet test ImageJobs.sln --no-build -c "${CONFIGURATION:-Debug}" --logger "trx;LogFileName=results.trx" \
    --logger "console;verbosity=normal" --results-directory "$results" "$@"
status=$?

trx="$results/results.trx"
if [ ! -f "$trx" ]; then
    echo "0 passed, 1 failed"
    exit 1
fi
counter() { grep -o "<Counters [^>]*" "$trx" | grep -o " $1=\"[0-9]*\"" | grep -o "[0-9]*"; }
passed=$(counter passed)
failed=$(( $(counter failed) + $(counter error) + $(counter timeout) + $(counter aborted) ))
# Each failed test's name and the start of its message, last, where a truncated log still shows them.
awk '/<UnitTestResult /{failed = /outcome="Failed"/; if (failed) {match($0, /testName="[^"]*"/); print "failed: " substr($0, RSTART + 10, RLENGTH - 11)}}
     failed && /<Message>/ {sub(/.*<Message>/, "  "); sub(/<\/Message>.*/, ""); print substr($0, 1, 400)}' "$trx"
echo "$passed passed, $failed failed"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
