#!/usr/bin/env bash
# The fault-injection scenarios with bigger batches: ./scripts/soak.sh 3000
# Each scenario (SIGKILLed workers, rolling SIGTERM, broker restart, blob store outage, poison
# inputs) runs a batch of the given size against the real AppHost and prints a line of
# lost / duplicated / unexpected / dead-lettered / redelivered / longest stall.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs="${1:-3000}"
scripts/setup.sh
# Fails when a scenario fails (pipefail passes dotnet test's status through the filter).
IMAGEJOBS_FAULT_JOBS="$jobs" dotnet test ImageJobs.Tests --no-build -c "${CONFIGURATION:-Debug}" --filter "FullyQualifiedName~FaultInjection" \
    --logger "console;verbosity=detailed" 2>&1 | { grep -E "^\s+(Passed|Failed) |submitted|Error Message" || true; }
