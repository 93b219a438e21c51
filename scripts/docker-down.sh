#!/usr/bin/env bash
# Stop the dockerd that scripts/docker-up.sh started, by its pid, and nothing else.
#
#   scripts/docker-down.sh [PID]    PID defaults to the one in $ENJOIN_DOCKERD_PIDFILE
#                                   (default /tmp/enjoin-dockerd.pid); no pid: nothing to stop
set -euo pipefail

pidfile="${ENJOIN_DOCKERD_PIDFILE:-/tmp/enjoin-dockerd.pid}"
pid="${1:-}"
if [[ -z "$pid" && -s "$pidfile" ]]; then
    pid="$(cat "$pidfile")"
fi
if [[ -z "$pid" ]]; then
    printf 'docker-down: no dockerd started by docker-up.sh; nothing to stop\n' >&2
    exit 0
fi
[[ "$pid" =~ ^[0-9]+$ ]] || { printf 'docker-down: error: "%s" is not a pid\n' "$pid" >&2; exit 1; }

if kill -0 "$pid" 2>/dev/null; then
    # SIGTERM lets dockerd stop its containers and the containerd it started.
    kill -TERM "$pid"
    for ((i = 0; i < 60; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.5
    done
    if kill -0 "$pid" 2>/dev/null; then
        printf 'docker-down: dockerd %s still runs after 30 s; sending SIGKILL\n' "$pid" >&2
        kill -KILL "$pid" 2>/dev/null || true
    fi
    printf 'docker-down: stopped dockerd %s\n' "$pid" >&2
else
    printf 'docker-down: dockerd %s is not running\n' "$pid" >&2
fi
if [[ -s "$pidfile" && "$(cat "$pidfile")" == "$pid" ]]; then
    rm -f "$pidfile"
fi
