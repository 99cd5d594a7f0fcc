#!/usr/bin/env bash
# 200 certificates in six scripts, each with a QR code linking to its verification page:
#   ./run.sh [PRODUCER_URL]   (default http://localhost:5280; IMAGEJOBS_KEY, when set, is sent as the key)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "${here}/../lib.sh"
imagejobs_connect "${1:-}"

upload examples/certificates/ "${here}/blank.png" "${here}/logo.png"
save_template example-certificate "${here}/template.json"
submit "${here}/certificates.csv" example-certificate
wait_and_report
