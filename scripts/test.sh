#!/usr/bin/env bash
# Runs the tests and ends with one line: "N passed, N failed".
#   ./scripts/test.sh          everything (what CI runs): sets up what is missing, then unit,
#                              rendering, integration against a real RabbitMQ and Azurite,
#                              end-to-end through the real AppHost, browser, deployment, faults.
#   ./scripts/test.sh --fast   unit and rendering tests plus the format check: installs nothing,
#                              needs no broker or storage, under a minute.
# Other arguments go to `dotnet test` (for example --filter Category=Integration).
set -uo pipefail
cd "$(dirname "$0")/.."

args=()
fast=false
for arg in "$@"; do
    if [ "$arg" = "--fast" ]; then fast=true; else args+=("$arg"); fi
done

if $fast; then
    dotnet build ImageJobs.sln -c "${CONFIGURATION:-Debug}" -nologo -v quiet -clp:ErrorsOnly || { echo "0 passed, 1 failed"; exit 1; }
    args=(--filter "Category=Unit|Category=Rendering" "${args[@]}")
else
    scripts/setup.sh --tests || exit 1
fi

# One naming and layout convention (.editorconfig): a change that breaks it fails like a test.
format_failed=0
if ! dotnet format ImageJobs.sln --verify-no-changes --no-restore -v q; then
    echo "failed: dotnet format --verify-no-changes (run: dotnet format ImageJobs.sln)"
    format_failed=1
fi

results=$(mktemp -d)
dotnet test ImageJobs.sln --no-build -c "${CONFIGURATION:-Debug}" --logger "trx;LogFileName=results.trx" \
    --logger "console;verbosity=normal" --results-directory "$results" "${args[@]}"
status=$?

trx="$results/results.trx"
if [ ! -f "$trx" ]; then
    echo "0 passed, $((1 + format_failed)) failed"
    exit 1
fi
counter() { grep -o "<Counters [^>]*" "$trx" | grep -o " $1=\"[0-9]*\"" | grep -o "[0-9]*"; }
passed=$(counter passed)
failed=$(( $(counter failed) + $(counter error) + $(counter timeout) + $(counter aborted) + format_failed ))
# Each failed test's name and the start of its message, last, where a truncated log still shows them.
awk '/<UnitTestResult /{failed = /outcome="Failed"/; if (failed) {match($0, /testName="[^"]*"/); print "failed: " substr($0, RSTART + 10, RLENGTH - 11)}}
     failed && /<Message>/ {sub(/.*<Message>/, "  "); sub(/<\/Message>.*/, ""); print substr($0, 1, 400)}' "$trx"
echo "$passed passed, $failed failed"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
