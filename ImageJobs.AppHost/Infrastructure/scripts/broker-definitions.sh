#!/usr/bin/env bash
# Sourced by the broker start scripts: writes the broker's definitions (one user per role, with
# only the permissions that role needs) from Infrastructure/broker/definitions.json, filling in
# the IMAGEJOBS_BROKER_* variables. Azure fills in the same file's copy in infra/messaging.tmpl.yaml.

broker_definition_variables=(
    IMAGEJOBS_BROKER_ADMIN_USER
    IMAGEJOBS_BROKER_ADMIN_PASSWORD
    IMAGEJOBS_BROKER_PRODUCER_PASSWORD
    IMAGEJOBS_BROKER_WORKER_PASSWORD
    IMAGEJOBS_BROKER_KEDA_PASSWORD
)

# render_broker_definitions TEMPLATE OUTPUT: fails, naming the variable (never its value), when
# one is unset or could break out of its JSON string.
render_broker_definitions() {
    local template=$1 output=$2 text name value
    text=$(<"$template")
    for name in "${broker_definition_variables[@]}"; do
        value="${!name:-}"
        case "$name" in
            *_USER) [[ "$value" =~ ^[A-Za-z0-9_.-]{1,64}$ ]] || { echo "$name must be 1-64 letters, digits, '.', '_' or '-'" >&2; return 1; } ;;
            *) [[ "$value" =~ ^[A-Za-z0-9]{16,128}$ ]] || { echo "$name must be 16-128 letters and digits" >&2; return 1; } ;;
        esac
        text=${text//"\${$name}"/$value}
    done
    if [[ "$text" == *'${'* ]]; then
        echo "$template names a variable that is not one of: ${broker_definition_variables[*]}" >&2
        return 1
    fi
    (umask 077 && printf '%s\n' "$text" > "$output")
}
