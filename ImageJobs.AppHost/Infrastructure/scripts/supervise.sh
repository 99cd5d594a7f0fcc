#!/usr/bin/env bash
# Runs one command for the AppHost so that nothing it starts can outlive the AppHost.
#
# The command runs in a session (process group) of its own. The whole group is stopped
# (SUPERVISE_STOP_SIGNAL, TERM by default, then KILL) when this script is told to stop (TERM/INT from Aspire's orchestrator),
# when whoever started this script goes away (the AppHost or the orchestrator crashed), or,
# through a detached guard, when this script itself is killed with SIGKILL.
# Needed because RabbitMQ's start script forks beam.smp rather than exec'ing it.
set -uo pipefail

grace_seconds="${SUPERVISE_GRACE_SECONDS:-15}"
# Azurite's table service saves its rows on SIGINT only: on TERM it drops what it has acknowledged.
stop_signal="${SUPERVISE_STOP_SIGNAL:-TERM}"
parent_pid=$PPID
self_pid=$$

setsid "$@" &
child=$!   # setsid in a background job exec's in place: the command's pid is its group id.

stop_group() {
    local group=$1
    kill -"$stop_signal" -- "-$group" 2>/dev/null || return 0
    for _ in $(seq $((grace_seconds * 5))); do
        kill -0 -- "-$group" 2>/dev/null || return 0
        sleep 0.2
    done
    kill -KILL -- "-$group" 2>/dev/null || true
}

# The guard outlives a SIGKILL of this script (its own session), and then stops the group.
setsid bash -c '
    while kill -0 '"$self_pid"' 2>/dev/null; do sleep 1; done
    kill -'"$stop_signal"' -- -'"$child"' 2>/dev/null || exit 0
    sleep '"$grace_seconds"'
    kill -KILL -- -'"$child"' 2>/dev/null || true
' </dev/null >/dev/null 2>&1 &
guard=$!

shutdown() {
    trap - TERM INT HUP
    stop_group "$child"
    kill "$guard" 2>/dev/null || true
    wait "$child" 2>/dev/null
    exit "${1:-0}"
}
trap 'shutdown 0' TERM HUP
trap 'shutdown 130' INT

while kill -0 "$child" 2>/dev/null; do
    current_parent=$(ps -o ppid= -p "$self_pid" | tr -d ' ')
    if [ "$current_parent" != "$parent_pid" ]; then
        echo "supervise: parent $parent_pid is gone; stopping $*" >&2
        shutdown 1
    fi
    sleep 1 &
    wait $! 2>/dev/null
done

wait "$child"
status=$?
# The command ended by itself: take down anything it left in its group (epmd, for one).
stop_group "$child"
kill "$guard" 2>/dev/null || true
exit "$status"
