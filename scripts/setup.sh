#!/usr/bin/env bash
# Installs what ImageJobs needs on a fresh Debian machine, skipping what is already there:
# Debian's rabbitmq-server and npm's azurite (the local infrastructure when no container
# runtime is healthy), then restores and builds the solution.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

if [ ! -x /usr/lib/rabbitmq/bin/rabbitmq-server ]; then
    echo "==> Installing rabbitmq-server (Debian package)"
    as_root apt-get update -qq
    # The package's own service is not used: the AppHost runs its own loopback-only broker.
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rabbitmq-server >/dev/null
    as_root service rabbitmq-server stop >/dev/null 2>&1 || true
fi

if [ ! -x /usr/bin/chromium ]; then
    # The web page's browser tests drive Debian's Chromium headless (no browser download).
    echo "==> Installing chromium (Debian package)"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

if ! command -v azurite-blob >/dev/null; then
    echo "==> Installing azurite (npm)"
    as_root npm install -g --no-fund --no-audit azurite@3.37.0 >/dev/null
fi

if ! command -v dotnet >/dev/null; then
    echo "The .NET 10 SDK is required: https://dotnet.microsoft.com/download" >&2
    exit 1
fi

echo "==> Building"
dotnet build ImageJobs.sln -c "${CONFIGURATION:-Debug}" -nologo -v quiet -clp:ErrorsOnly
