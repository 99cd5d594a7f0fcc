#!/usr/bin/env bash
# Run after `azd up`: proves the deployment works, step by step, and prints the command that
# fixes each failure. Reads the environment with `azd env get-values`, checks every Container App
# is running its latest revision, submits a 20-image batch through the producer with its access
# key, waits for it, and reads the workers' system log for the KEDA scaler's state and errors.
#   ./scripts/azure-check.sh            last line: "azure-check: N passed, N failed"
# Needs azd, az (logged in), curl. The access key is never printed.
# Tested with recorded az/azd/curl outputs: ImageJobs.Tests/Deployment/AzureCheckTests.cs.
set -uo pipefail

poll_seconds="${AZURE_CHECK_POLL_SECONDS:-10}"
batch_timeout_seconds="${AZURE_CHECK_BATCH_TIMEOUT_SECONDS:-900}"
images=20
passed=0
failed=0

pass() { passed=$((passed + 1)); printf 'PASS  %s\n' "$1"; }
# fail STEP WHY FIX
fail() { failed=$((failed + 1)); printf 'FAIL  %s: %s\n      fix: %s\n' "$1" "$2" "$3"; }

# env_value KEY < dotenv: the value of KEY in `azd env get-values` output (KEY="value" lines).
env_value() { sed -n "s/^$1=\"\\(.*\\)\"\$/\\1/p" | head -n 1; }

# json_field NAME < json: a string or number field of a flat JSON object (the producer's answers).
json_field() { sed -n "s/.*\"$1\":\"\\{0,1\\}\\([^\",}]*\\).*/\\1/p" | head -n 1; }

# app_state RG APP: "provisioning<TAB>running<TAB>latest revision<TAB>latest ready revision<TAB>fqdn"
app_state() {
    az containerapp show -g "$1" -n "$2" -o tsv --query \
        "[properties.provisioningState, properties.runningStatus, properties.latestRevisionName, properties.latestReadyRevisionName, properties.configuration.ingress.fqdn]" 2>/dev/null
}

check_app() {
    local rg=$1 app=$2 state provisioning running latest ready
    state=$(app_state "$rg" "$app") || state=""
    IFS=$'\t' read -r provisioning running latest ready _ <<<"$state"
    if [ -z "$state" ]; then
        fail "app $app" "not found in $rg" "azd deploy $app"
    elif [ "$provisioning" != "Succeeded" ] || [ "$running" != "Running" ] || [ "$latest" != "$ready" ]; then
        fail "app $app" "provisioning $provisioning, ${running:-no running status}, latest revision ${latest:-?} (ready: ${ready:-none})" \
            "az containerapp logs show -g $rg -n $app --type system --tail 50   # then: azd deploy $app"
    else
        pass "app $app: running, latest revision $latest ready"
    fi
}

# keda_state LOG: the last KEDA event of a worker's system log (JSON lines), as "Reason<TAB>Msg".
keda_state() {
    grep '"EventSource":"KEDA"' <<<"$1" | tail -n 1 |
        sed -n 's/.*"Msg":"\(.*\)","Reason":"\([^"]*\)".*/\2\t\1/p'
}

check_keda() {
    local rg=$1 log state reason message errors
    log=$(az containerapp logs show -g "$rg" -n worker --type system --tail 300 2>/dev/null) || log=""
    errors=$(grep -c '"Reason":"\(KEDAScalerFailed\|ScaledObjectCheckFailed\|KEDAScaleTargetActivationFailed\)"' <<<"$log")
    state=$(keda_state "$log")
    IFS=$'\t' read -r reason message <<<"$state"
    local fix="az containerapp show -g $rg -n worker --query properties.template.scale   # the rule's host secret is keda-rabbitmq-host; then: azd deploy worker"
    if [ -z "$state" ]; then
        fail "KEDA scaler" "no KEDA event in the worker's system log" "$fix"
    elif [ "$reason" != "KEDAScalersStarted" ]; then
        local scaler_error
        scaler_error=$(grep '"Reason":"KEDAScalerFailed"' <<<"$log" | tail -n 1 | sed -n 's/.*"Msg":"\(.*\)","Reason".*/\1/p')
        fail "KEDA scaler" "last event $reason: $message; last scaler error: ${scaler_error:-none} ($errors errors in the last 300 lines)" "$fix"
    else
        pass "KEDA scaler: $message ($errors earlier scaler errors in the last 300 lines)"
    fi
    local replicas
    replicas=$(az containerapp replica list -g "$rg" -n worker --query "length(@)" -o tsv 2>/dev/null) || replicas="?"
    printf 'INFO  worker replicas now: %s\n' "$replicas"
}

# A 320x200 grey PNG: the check brings its own sources, so it needs nothing uploaded first.
sample_png() {
    base64 -d <<'PNG'
iVBORw0KGgoAAAANSUhEUgAAAUAAAADICAIAAAAWZq/8AAABvUlEQVR42u3TQQkAAAgEwctpCJMY2hC+hIFJsLCpHuCpSAAGBgwMGBgMDBgYMDBgYDAwYGDAwGBgwMCAgQEDg4EBAwMGBgwMBgYMDBgYDAwYGDAwYGAwMGBgwMCAgcHAgIEBA4OBAQMDBgYMDAYGDAwYGAysAhgYMDBgYDAwYGDAwICBwcCAgQEDg4EBAwMGBgwMBgYMDBgYMDAYGDAwYGAwMGBgwMCAgcHAgIEBAwMGBgMDBgYMDAYGDAwYGDAwGBgwMGBgMDBgYMDAgIHBwICBAQMDBgYDAwYGDAwGBgwMGBgwMBgYMDBgYMDAYGDAwICBwcCAgQEDAwYGAwMGBgwMGBgMDBgYMDAYGDAwYGDAwGBgwMCAgcHAgIEBAwMGBgMDBgYMDBgYDAwYGDAwGBgwMGBgwMBgYMDAgIEBA4OBAQMDBgYDAwYGDAwYGAwMGBgwMBhYBTAwYGDAwGBgwMCAgQEDg4EBAwMGBgMDBgYMDBgYDAwYGDAwYGAwMGBgwMBgYMDAgIEBA4OBAQMDBgYMDAYGDAwYGAwMGBgwMGBgMDBgYMDAYGDAwICBAQODgQEDAwYGDAwGBgwMXCwZYht1GJGz1wAAAABJRU5ErkJggg==
PNG
}

# producer METHOD PATH [curl args...]: the producer's answer; the key goes in a header file, not argv.
producer() {
    local method=$1 path=$2
    shift 2
    curl -sS --max-time 60 -X "$method" -H @"$headers" "$@" "https://$fqdn$path"
}

check_batch() {
    local rg=$1 prefix answer batch status done_ failed_ succeeded i
    prefix="azure-check/$(date -u +%Y%m%d-%H%M%S)/"
    sample_png > "$work/sample.png"
    local files=()
    for i in $(seq -w 1 "$images"); do files+=(-F "files=@$work/sample.png;filename=check-$i.png"); done
    answer=$(producer POST "/api/sources?prefix=$prefix" "${files[@]}") || answer=""
    if [ "$(grep -o '"name":' <<<"$answer" | wc -l)" -lt "$images" ]; then
        fail "upload" "the producer did not store $images sources: ${answer:0:300}" "az containerapp logs show -g $rg -n producer --tail 50"
        return
    fi
    pass "upload: $images sources under $prefix"

    answer=$(producer POST /api/batches -H 'Content-Type: application/json' -d "{\"prefix\":\"$prefix\",\"template\":\"azure-check {index}\"}") || answer=""
    batch=$(json_field batchId <<<"$answer")
    if [ -z "$batch" ]; then
        fail "submit" "no batch id: ${answer:0:300}" "az containerapp logs show -g $rg -n producer --tail 50"
        return
    fi
    pass "submit: batch $batch"

    local waited=0
    while :; do
        status=$(producer GET "/api/batches/$batch") || status=""
        done_=$(json_field done <<<"$status")
        [ "$done_" = "true" ] && break
        if [ "$waited" -ge "$batch_timeout_seconds" ]; then
            fail "batch" "not done after ${batch_timeout_seconds}s: ${status:0:300}" \
                "az containerapp logs show -g $rg -n worker --tail 50   # and the KEDA step below"
            return
        fi
        sleep "$poll_seconds"
        waited=$((waited + poll_seconds))
    done
    succeeded=$(json_field succeeded <<<"$status")
    failed_=$(json_field failed <<<"$status")
    if [ "$succeeded" = "$images" ] && [ "$failed_" = "0" ]; then
        pass "batch: $succeeded of $images succeeded in about ${waited}s"
    else
        fail "batch" "$succeeded succeeded, $failed_ failed" "curl -H 'Authorization: Bearer <key>' https://$fqdn/api/batches/$batch/failures"
    fi
}

main() {
    local values rg
    if ! values=$(azd env get-values 2>&1); then
        fail "azd environment" "azd env get-values failed: $values" "azd env select <name>   # or: azd up"
        summary
        return
    fi
    rg=$(env_value AZURE_RESOURCE_GROUP <<<"$values")
    [ -n "$rg" ] || rg="rg-$(env_value AZURE_ENV_NAME <<<"$values")"
    if [ "$rg" = "rg-" ]; then
        fail "azd environment" "no AZURE_ENV_NAME in azd env get-values" "azd env select <name>"
        summary
        return
    fi
    pass "azd environment: resource group $rg"

    for app in messaging producer worker; do check_app "$rg" "$app"; done

    fqdn=$(app_state "$rg" producer | cut -f5)
    local key
    key=$(az containerapp secret show -g "$rg" -n producer --secret-name access--key --query value -o tsv 2>/dev/null) || key=""
    if [ -z "$fqdn" ] || [ -z "$key" ]; then
        fail "producer access" "no public address or no access key" "azd deploy producer"
    else
        work=$(mktemp -d)
        headers="$work/headers"
        (umask 077 && printf 'Authorization: Bearer %s\n' "$key" > "$headers")
        check_batch "$rg"
        rm -rf "$work"
    fi

    check_keda "$rg"
    summary
}

summary() {
    printf 'azure-check: %d passed, %d failed\n' "$passed" "$failed"
    [ "$failed" -eq 0 ]
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    main
fi
