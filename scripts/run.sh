#!/usr/bin/env bash
# Sets up what is missing, then runs the AppHost: RabbitMQ, Azurite, the producer and the
# workers, with the Aspire dashboard. Ctrl+C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec dotnet run --project ImageJobs.AppHost --launch-profile http --no-build "$@"
