#!/usr/bin/env bash
# Make a Docker engine reachable for the container backend: install docker.io (and debootstrap, which
# scripts/build-image.sh uses) from Debian when missing, start dockerd in the background, wait until it answers.
#
#   scripts/docker-up.sh     prints the pid of the dockerd it started as the last line on stdout,
#                            or nothing when an engine was already reachable (then it starts none)
#
# The pid is also written to $ENJOIN_DOCKERD_PIDFILE (default /tmp/enjoin-dockerd.pid), where
# scripts/docker-down.sh finds it: only the daemon this script started is ever stopped.
# dockerd's log: $ENJOIN_DOCKERD_LOG (default /tmp/enjoin-dockerd.log). Needs root.
set -euo pipefail

pidfile="${ENJOIN_DOCKERD_PIDFILE:-/tmp/enjoin-dockerd.pid}"
logfile="${ENJOIN_DOCKERD_LOG:-/tmp/enjoin-dockerd.log}"
wait_seconds="${ENJOIN_DOCKERD_WAIT:-60}"

log() { printf 'docker-up: %s\n' "$*" >&2; }
die() { printf 'docker-up: error: %s\n' "$*" >&2; exit 1; }

if docker info >/dev/null 2>&1; then
    log "a Docker engine already answers at ${DOCKER_HOST:-unix:///var/run/docker.sock}; starting none"
    exit 0
fi

[[ "$(id -u)" == 0 ]] || die "starting dockerd needs root"

missing=()
command -v dockerd >/dev/null || missing+=(docker.io)
command -v debootstrap >/dev/null || missing+=(debootstrap)
if ((${#missing[@]})); then
    log "apt-get install ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >&2
    apt-get install -y -q "${missing[@]}" >&2
fi
command -v docker >/dev/null || die "no docker client after installing docker.io"

# A pidfile of a daemon that is gone is stale; one of a live daemon that does not answer is not ours to stop.
if [[ -s "$pidfile" ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    die "dockerd $(cat "$pidfile") (from $pidfile) runs but does not answer; see $logfile"
fi

log "starting dockerd (log: $logfile)"
nohup dockerd >"$logfile" 2>&1 </dev/null &
pid=$!
echo "$pid" >"$pidfile"

for ((i = 0; i < wait_seconds * 2; i++)); do
    if docker info >/dev/null 2>&1; then
        log "dockerd $pid answers"
        echo "$pid"
        exit 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
        tail -n 20 "$logfile" >&2
        rm -f "$pidfile"
        die "dockerd exited before it answered; see $logfile"
    fi
    sleep 0.5
done
tail -n 20 "$logfile" >&2
# Started here and of no use: stop it, by its pid, so that nothing is left running.
bash "$(dirname "${BASH_SOURCE[0]}")/docker-down.sh" "$pid" || true
die "dockerd $pid did not answer within ${wait_seconds}s; stopped it (see $logfile)"
