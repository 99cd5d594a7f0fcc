#!/usr/bin/env bash
# Installs what ImageJobs needs on a fresh Debian machine, skipping what is already there:
# Debian's rabbitmq-server and npm's azurite (the local infrastructure when no container
# runtime is healthy), then restores and builds the solution.
#   --tests   also what only the tests need: Debian's chromium (the page's browser tests) and
#             unicode-data (Unicode's conformance files for the bidi and line-break tests).
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

tests=false
[ "${1:-}" = "--tests" ] && tests=true

# Debian packages: rabbitmq-server (the local broker), libturbojpeg0 and, for the tests, chromium (the page's
# browser tests drive it headless: no browser download) and unicode-data (BidiTest.txt,
# LineBreakTest.txt, ... under /usr/share/unicode). One package-list update for all.
packages=()
[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || packages+=(rabbitmq-server)
# libturbojpeg0: the build copies its libturbojpeg.so.0 beside the renderer (the Blocks path for JPEG results).
[ -f /usr/lib/x86_64-linux-gnu/libturbojpeg.so.0 ] || packages+=(libturbojpeg0)
if $tests; then
    [ -x /usr/bin/chromium ] || packages+=(chromium)
    [ -f /usr/share/unicode/BidiCharacterTest.txt ] || packages+=(unicode-data)
fi
if [ ${#packages[@]} -gt 0 ]; then
    echo "==> Installing ${packages[*]} (Debian packages)"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" >/dev/null
    # The package's own broker service is not used: the AppHost runs its own loopback-only broker.
    as_root service rabbitmq-server stop >/dev/null 2>&1 || true
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
