#!/usr/bin/env bash
# Measures the producers' shared batch state against a real Azurite table service: outcomes stored
# per second by two producers against bare table inserts, and the status read of a JOBS-job batch
# against a scan of its rows, in one run (StateBenchmark.cs).
# Usage: scripts/bench/state.sh [JOBS=40000]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if ! command -v azurite-table >/dev/null; then
  echo "azurite-table is missing: scripts/setup.sh installs Azurite" >&2
  exit 1
fi

dotnet build -c Release "$here/ImageJobs.Benchmarks/ImageJobs.Benchmarks.csproj" -v quiet -nologo
dotnet "$here/ImageJobs.Benchmarks/bin/Release/net10.0/ImageJobs.Benchmarks.dll" state "${1:-40000}"
