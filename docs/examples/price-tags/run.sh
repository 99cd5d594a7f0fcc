#!/usr/bin/env bash
# Shelf price tags: product photo, the old price struck through beside the new one, an EAN-13:
#   ./run.sh [PRODUCER_URL]   (default http://localhost:5280; IMAGEJOBS_KEY, when set, is sent as the key)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "${here}/../lib.sh"
imagejobs_connect "${1:-}"

upload examples/price-tags/ "${here}/tag.png"
upload examples/price-tags/photos/ "${here}"/photos/*.jpg
save_template example-price-tag "${here}/template.json"
submit "${here}/price-tags.csv" example-price-tag
wait_and_report
