#!/usr/bin/env bash
# Renders COUNT generated 1920x1080 photographs with the same wrapped, outlined caption through
# the ImageJobs engine (1 thread, all cores) and ImageMagick's convert -annotate (1 at a time,
# one per core) in one run; prints images/s, ratios and peak memory per image.
# Usage: scripts/bench/render-vs-imagemagick.sh [COUNT=200] [--width W --height H --dir DIR]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

if ! command -v convert >/dev/null; then
  echo "ImageMagick is missing: apt-get install -y imagemagick" >&2
  exit 1
fi

dotnet build -c Release "$here/ImageJobs.Benchmarks/ImageJobs.Benchmarks.csproj" -v quiet -nologo
dotnet "$here/ImageJobs.Benchmarks/bin/Release/net10.0/ImageJobs.Benchmarks.dll" "${1:-200}" "${@:2}"
