#!/usr/bin/env bash
# Starts Debian's RabbitMQ 3.10 as a local, loopback-only, single-node broker for the AppHost.
# Expects: RABBITMQ_NODE_PORT, RABBITMQ_DIST_PORT, ERL_EPMD_PORT, IMAGEJOBS_RABBITMQ_DATA,
# RABBITMQ_DEFAULT_USER, RABBITMQ_DEFAULT_PASS. Run it under supervise.sh.
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

# A broker created with another password would refuse the new one: start it afresh.
fingerprint=$(printf '%s:%s' "$RABBITMQ_DEFAULT_USER" "$RABBITMQ_DEFAULT_PASS" | sha256sum | cut -d' ' -f1)
if [ -f "$data/credentials.sha256" ] && [ "$(cat "$data/credentials.sha256")" != "$fingerprint" ]; then
    echo "Credentials changed: starting with an empty broker in $data" >&2
    rm -rf "$data/mnesia"
    mkdir -p "$data/mnesia"
fi
echo "$fingerprint" > "$data/credentials.sha256"

umask 077
cat > "$data/rabbitmq.conf" <<CONF
listeners.tcp.1 = 127.0.0.1:${RABBITMQ_NODE_PORT}
default_user = ${RABBITMQ_DEFAULT_USER}
default_pass = ${RABBITMQ_DEFAULT_PASS}
default_permissions.configure = .*
default_permissions.read = .*
default_permissions.write = .*
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
# Keep the secret out of the broker's environment once it is in the config file.
unset RABBITMQ_DEFAULT_PASS

# Our own epmd, in our process group and on our own port, so it stops with the broker
# and never meets another Erlang node on this machine.
epmd -port "$ERL_EPMD_PORT" -address 127.0.0.1 &
for _ in $(seq 50); do
    epmd -port "$ERL_EPMD_PORT" -names >/dev/null 2>&1 && break
    sleep 0.1
done

exec "$server"
