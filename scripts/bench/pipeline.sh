#!/usr/bin/env bash
# Measures the whole pipeline against the machine's limit and against ImageMagick in one run:
# COUNT generated 1920x1080 photographs rendered by our engine in-process on all cores, through
# the real AppHost (local mode: RabbitMQ, Azurite, producer, workers) and by ImageMagick on all
# cores, interleaved; then a 40,000-job publish through the producer vs a bare RabbitMQ.Client
# publisher, and a long batch with each worker's RSS sampled. Prints a table and writes it as the top of
# docs/PERFORMANCE.md (with the machine and its load average).
# Usage: scripts/bench/pipeline.sh [COUNT=200] [--replicas 3] [--prefetch P] [--publish 40000]
#        [--long 10*COUNT] [--sweep 1,2,3,4 --sweep-prefetch 1,2] [--env NAME=VALUE]... [--producer-env NAME=VALUE]... [--apphost KEY=VALUE]... [--out FILE]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"

for tool in convert rabbitmq-server azurite-blob; do
  if ! command -v "$tool" >/dev/null; then
    echo "$tool is missing: scripts/setup.sh installs RabbitMQ and Azurite; apt-get install -y imagemagick" >&2
    exit 1
  fi
done

dotnet build -c Release "$here/ImageJobs.Benchmarks/ImageJobs.Benchmarks.csproj" -v quiet -nologo
count="${1:-200}"
shift || true
out=(--out "$root/docs/PERFORMANCE.md")
[[ " $* " == *" --out "* ]] && out=()
dotnet "$here/ImageJobs.Benchmarks/bin/Release/net10.0/ImageJobs.Benchmarks.dll" pipeline "$count" "${out[@]}" "$@"
