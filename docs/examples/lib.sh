# What both examples do, in order: upload, save the template, submit the manifest, wait, report.
# Sourced by certificates/run.sh and price-tags/run.sh; needs bash, curl and jq.

# The producer's URL (first argument, default http://localhost:5280) and, when IMAGEJOBS_KEY is
# set, its key as a bearer token: the same for every request below.
imagejobs_connect() {
  IMAGEJOBS_URL="${1:-http://localhost:5280}"
  IMAGEJOBS_URL="${IMAGEJOBS_URL%/}"
  IMAGEJOBS_AUTH=()
  if [[ -n "${IMAGEJOBS_KEY:-}" ]]; then
    IMAGEJOBS_AUTH=(-H "Authorization: Bearer ${IMAGEJOBS_KEY}")
  fi
  for tool in curl jq; do
    command -v "$tool" > /dev/null || { echo "this example needs $tool" >&2; exit 2; }
  done
}

# call METHOD PATH [curl arguments...]: the answer's status in CALL_STATUS, its body in CALL_BODY.
call() {
  local method="$1" path="$2" body
  shift 2
  body="$(mktemp)"
  if ! CALL_STATUS="$(curl -sS -o "$body" -w '%{http_code}' -X "$method" "${IMAGEJOBS_AUTH[@]}" "$@" "${IMAGEJOBS_URL}${path}")"; then
    rm -f "$body"
    echo "cannot reach the producer at ${IMAGEJOBS_URL} (is the AppHost running? ./scripts/run.sh)" >&2
    exit 3
  fi
  CALL_BODY="$(cat "$body")"
  rm -f "$body"
}

# fail WHAT: says what the producer refused (the last call's answer), with its problems by field, and stops.
fail() {
  echo "$1 was refused (HTTP ${CALL_STATUS}):" >&2
  jq -r '(.title // .), ((.errors // {}) | to_entries[] | "  \(.key): \(.value | join("; "))")' <<< "$CALL_BODY" >&2 2> /dev/null || echo "$CALL_BODY" >&2
  exit 2
}

# upload PREFIX FILE...: the files into the sources container under PREFIX, named by their file names.
upload() {
  local prefix="$1" parts=()
  shift
  for file in "$@"; do parts+=(-F "files=@${file}"); done
  call POST "/api/sources?prefix=${prefix}" "${parts[@]}"
  [[ "$CALL_STATUS" == 2* && "$(jq '.rejected | length' <<< "$CALL_BODY")" == 0 ]] || fail "The upload to ${prefix}"
  echo "uploaded $(jq '.uploaded | length' <<< "$CALL_BODY") files to sources/${prefix}"
}

# save_template NAME FILE: the template as a new template, or as its next version when NAME exists.
save_template() {
  local name="$1" file="$2"
  call POST /api/templates -H 'Content-Type: application/json' --data-binary "$(jq --arg name "$name" '. + {name: $name}' "$file")"
  if [[ "$CALL_STATUS" == 409 ]]; then
    call PUT "/api/templates/${name}" -H 'Content-Type: application/json' --data-binary "@${file}"
  fi
  [[ "$CALL_STATUS" == 2* ]] || fail "The template ${name}"
  echo "saved template ${name} version $(jq -r .version <<< "$CALL_BODY")"
}

# submit MANIFEST TEMPLATE: the manifest's rows fill the template's newest version; sets BATCH.
submit() {
  call POST /api/batches/manifest -F "manifest=@$1" -F "templateName=$2"
  [[ "$CALL_STATUS" == 202 ]] || fail "The manifest $1"
  BATCH="$(jq -r .batchId <<< "$CALL_BODY")"
  echo "batch: ${BATCH} ($(jq -r .total <<< "$CALL_BODY") jobs, template $2 version $(jq -r .templateVersion <<< "$CALL_BODY"))"
}

# wait_and_report: follows BATCH to its end, says where its results are; exit 1 when a job failed (or was cancelled).
wait_and_report() {
  local status
  while true; do
    call GET "/api/batches/${BATCH}"
    [[ "$CALL_STATUS" == 200 ]] || fail "The status of ${BATCH}"
    status="$CALL_BODY"
    jq -r '"\(.succeeded) succeeded, \(.failed) failed of \(.total)"' <<< "$status"
    [[ "$(jq -r .done <<< "$status")" == true ]] && break
    sleep 2
  done

  echo "results: container 'results', folder ${BATCH}/"
  echo "  list: ${IMAGEJOBS_URL}/api/batches/${BATCH}/results"
  echo "  zip:  ${IMAGEJOBS_URL}/api/batches/${BATCH}/results.zip"
  if [[ "$(jq -r .failed <<< "$status")" != 0 ]]; then
    echo "failed jobs:" >&2
    jq -r '.failures[] | "  \(.jobId): \(.errorCode) \(.error)"' <<< "$status" >&2
    echo "  (all of them: ${IMAGEJOBS_URL}/api/batches/${BATCH}/failures)" >&2
    exit 1
  fi

  if [[ "$(jq -r '.cancelled // 0' <<< "$status")" != 0 ]]; then
    echo "the batch was cancelled: $(jq -r .cancelled <<< "$status") jobs were not drawn" >&2
    exit 1
  fi
}
