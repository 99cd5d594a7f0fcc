#!/usr/bin/env bash
# Starts Debian's RabbitMQ 3.10 as a local, loopback-only, single-node broker for the AppHost.
# Expects: RABBITMQ_NODE_PORT, RABBITMQ_DIST_PORT, ERL_EPMD_PORT, IMAGEJOBS_RABBITMQ_DATA, and the
# IMAGEJOBS_BROKER_* user names and passwords (broker-definitions.sh). Run it under supervise.sh.
set -euo pipefail

# The unwrapped script: it runs as the calling user (Debian's /usr/sbin wrapper switches to 'rabbitmq').
server="${IMAGEJOBS_RABBITMQ_SERVER:-/usr/lib/rabbitmq/bin/rabbitmq-server}"
if [ ! -x "$server" ] || ! command -v epmd >/dev/null; then
    echo "rabbitmq-server is not installed. Install it with: sudo apt-get install -y rabbitmq-server" >&2
    exit 127
fi

data="$IMAGEJOBS_RABBITMQ_DATA"
mkdir -p "$data/mnesia" "$data/log"
chmod 700 "$data"

umask 077
# The users, one per role, come from the definitions, imported at every start (a changed password
# takes effect on the next start); with definitions to import, the broker creates no default user.
source "$(dirname "${BASH_SOURCE[0]}")/broker-definitions.sh"
render_broker_definitions "$(dirname "${BASH_SOURCE[0]}")/../broker/definitions.json" "$data/definitions.json"
cat > "$data/rabbitmq.conf" <<CONF
listeners.tcp.1 = 127.0.0.1:${RABBITMQ_NODE_PORT}
load_definitions = $data/definitions.json
# Longer than the longest job (the worker abandons a job after its own timeout first).
consumer_timeout = 1800000
CONF
echo '[].' > "$data/enabled_plugins"

export RABBITMQ_NODENAME="imagejobs@localhost"
export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
export RABBITMQ_MNESIA_BASE="$data/mnesia"
export RABBITMQ_LOG_BASE="$data/log"
export RABBITMQ_LOGS=-
export RABBITMQ_CONFIG_FILE="$data/rabbitmq.conf"
export RABBITMQ_ENABLED_PLUGINS_FILE="$data/enabled_plugins"
export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
export ERL_EPMD_ADDRESS=127.0.0.1
# Keep the secrets out of the broker's environment once they are in the definitions file.
unset "${broker_definition_variables[@]}"

# Our own epmd, in our process group and on our own port, so it stops with the broker
# and never meets another Erlang node on this machine.
epmd -port "$ERL_EPMD_PORT" -address 127.0.0.1 &
for _ in $(seq 50); do
    epmd -port "$ERL_EPMD_PORT" -names >/dev/null 2>&1 && break
    sleep 0.1
done

exec "$server"
