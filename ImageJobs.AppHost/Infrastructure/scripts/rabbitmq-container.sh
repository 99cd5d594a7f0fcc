#!/usr/bin/env bash
# Container mode: the rabbitmq image's own start, after writing the same definitions (a user per
# role) as a local process. Infrastructure/ is mounted read-only at /imagejobs.
set -euo pipefail

source /imagejobs/scripts/broker-definitions.sh
# The image's entrypoint hands /var/lib/rabbitmq to the rabbitmq user before it drops root.
dir=/var/lib/rabbitmq/imagejobs
mkdir -p "$dir"
render_broker_definitions /imagejobs/broker/definitions.json "$dir/definitions.json"
printf 'load_definitions = %s\n' "$dir/definitions.json" > "$dir/rabbitmq.conf"
export RABBITMQ_CONFIG_FILE="$dir/rabbitmq.conf"
unset "${broker_definition_variables[@]}" RABBITMQ_DEFAULT_PASS
exec docker-entrypoint.sh rabbitmq-server
