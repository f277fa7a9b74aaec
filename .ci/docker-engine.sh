#!/usr/bin/env bash
# Start or stop a Docker engine for the Docker tests: .ci/docker-engine.sh start|stop
#
# start  does nothing when `docker info` already succeeds. Otherwise it installs
#        Debian's docker.io when dockerd is missing, starts dockerd in the background
#        with its log in $STATE_DIR/dockerd.log, and waits until `docker info` succeeds.
# stop   stops only the dockerd that `start` started, found through its pid file.
#
# What the sandbox this was written on (Debian 12, kernel 6.18, root, ext4 root
# filesystem, cgroup v1 hierarchy with cgroupfs) allows, as checked by hand with
# docker.io 20.10.24:
# - overlay2 works on the ext4 root. When dockerd fails to start with the default
#   driver and its log names the storage driver, start retries with vfs, which
#   works everywhere but copies each layer in full (slower builds, more disk).
#   Set NODESHIP_DOCKER_STORAGE_DRIVER to choose a driver up front.
# - iptables (the nf_tables variant) and the docker0 bridge work, so containers and
#   builds reach the npm registry through NAT with the default bridge settings.
# - cgroup v1 with the cgroupfs driver works; no systemd runs, so dockerd manages
#   its own containerd instead of using a containerd service.
# - There is no HTTP proxy in the environment. Outbound TLS goes through an
#   inspecting proxy whose CA is in /etc/ssl/certs/ca-certificates.crt; nothing
#   here needs it, but npm inside images does (tests/standin/README.md).
set -euo pipefail

STATE_DIR="${NODESHIP_DOCKER_STATE_DIR:-/var/run/nodeship-docker}"
PID_FILE="$STATE_DIR/dockerd.pid"
LOG_FILE="$STATE_DIR/dockerd.log"
START_TIMEOUT="${NODESHIP_DOCKER_START_TIMEOUT:-60}"
STOP_TIMEOUT=30

log() {
    echo "docker-engine: $*" >&2
}

engine_responds() {
    docker info >/dev/null 2>&1
}

install_engine() {
    if command -v dockerd >/dev/null 2>&1; then
        return
    fi
    if [ "$(id -u)" -ne 0 ]; then
        log "dockerd is missing and installing docker.io needs root"
        exit 1
    fi
    log "installing Debian's docker.io"
    apt-get update -q
    # docker.io depends on containerd, runc, iptables and tini (docker-init). They
    # are named so that a change in its dependencies shows up as an install error.
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        docker.io containerd runc iptables tini
}

# Start dockerd with the given storage driver ("" for dockerd's own choice) and wait
# until `docker info` succeeds. Returns non-zero when dockerd exits or times out.
launch_dockerd() {
    local driver="$1"
    local args=(--pidfile "$PID_FILE")
    if [ -n "$driver" ]; then
        args+=(--storage-driver "$driver")
    fi
    log "starting dockerd ${args[*]}, log in $LOG_FILE"
    # setsid detaches dockerd from this script's process group, so the engine keeps
    # running after the script exits and is not stopped with a job that ran it.
    setsid dockerd "${args[@]}" >>"$LOG_FILE" 2>&1 </dev/null &
    local pid=$!

    local waited=0
    while [ "$waited" -lt "$START_TIMEOUT" ]; do
        if engine_responds; then
            log "engine ready after ${waited}s (dockerd pid $pid)"
            return 0
        fi
        if ! kill -0 "$pid" 2>/dev/null; then
            log "dockerd exited during start"
            return 1
        fi
        sleep 1
        waited=$((waited + 1))
    done
    log "dockerd did not respond within ${START_TIMEOUT}s"
    kill -TERM "$pid" 2>/dev/null || true
    wait_for_exit "$pid"
    return 1
}

wait_for_exit() {
    local pid="$1"
    local waited=0
    while kill -0 "$pid" 2>/dev/null && [ "$waited" -lt "$STOP_TIMEOUT" ]; do
        sleep 1
        waited=$((waited + 1))
    done
    if kill -0 "$pid" 2>/dev/null; then
        log "dockerd (pid $pid) still running after ${STOP_TIMEOUT}s, sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
    fi
}

fail_with_log() {
    log "$1; last lines of $LOG_FILE:"
    tail -n 40 "$LOG_FILE" >&2 || true
    exit 1
}

start() {
    if engine_responds; then
        log "an engine already responds; nothing to start"
        return
    fi
    install_engine
    if engine_responds; then
        # An init script run by the package install may have started one.
        log "an engine responds after the install; nothing to start"
        return
    fi

    mkdir -p "$STATE_DIR"
    : >"$LOG_FILE"
    local driver="${NODESHIP_DOCKER_STORAGE_DRIVER:-}"
    if launch_dockerd "$driver"; then
        return
    fi
    if [ -z "$driver" ] && grep -qiE 'storage.driver|overlay|graphdriver' "$LOG_FILE"; then
        log "retrying with the vfs storage driver"
        if launch_dockerd vfs; then
            return
        fi
    fi
    fail_with_log "the Docker engine failed to start"
}

stop() {
    if [ ! -f "$PID_FILE" ]; then
        log "no pid file at $PID_FILE; no engine started by this script is running"
        return
    fi
    local pid
    pid="$(cat "$PID_FILE")"
    # Stop the process only if it is still the dockerd that wrote the pid file.
    if [ "$(cat "/proc/$pid/comm" 2>/dev/null || true)" != "dockerd" ]; then
        log "pid $pid from $PID_FILE is not a running dockerd; removing the pid file"
        rm -f "$PID_FILE"
        return
    fi
    log "stopping dockerd (pid $pid)"
    kill -TERM "$pid"
    wait_for_exit "$pid"
    rm -f "$PID_FILE"
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    *)
        echo "usage: $0 start|stop" >&2
        exit 2
        ;;
esac
