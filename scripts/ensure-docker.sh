#!/usr/bin/env bash
# Makes sure a Docker engine answers `docker info`, that compose is there (v2 plugin or v1), and
# that the host has what the offline images are built from (a static busybox, etcd).
# Idempotent: when everything is in place it only checks. On Debian/Ubuntu as root it installs
# what is missing (docker.io docker-compose busybox-static etcd-server, and nftables and conntrack for kube-proxy) and starts the engine:
# with systemctl under systemd, with `service` under another init, else `dockerd` in the background
# (log: /var/log/kubelab-dockerd.log). KUBELAB_OFFLINE_IMAGES=0 skips busybox and etcd.
set -euo pipefail

DOCKERD_LOG="${KUBELAB_DOCKERD_LOG:-/var/log/kubelab-dockerd.log}"
DOCKER_PIDFILE="${KUBELAB_DOCKER_PIDFILE:-/var/run/docker.pid}"
PROC="${KUBELAB_PROC:-/proc}" # the three KUBELAB_* paths are for tests (cli/src/ensure-docker.test.ts)
WAIT_SECONDS=60

say() { echo "ensure-docker: $*"; }
die() {
  echo "ensure-docker: error: $*" >&2
  exit 1
}

have() { command -v "$1" >/dev/null 2>&1; }
is_root() { [ "$(id -u)" -eq 0 ]; }
is_debian() { have apt-get && have dpkg; }

docker_answers() { have docker && timeout 20 docker info >/dev/null 2>&1; }
compose_answers() {
  { have docker && timeout 20 docker compose version >/dev/null 2>&1; } ||
    { have docker-compose && timeout 20 docker-compose version >/dev/null 2>&1; }
}

static_busybox() {
  local bb out
  bb="$(command -v busybox 2>/dev/null || true)"
  [ -n "$bb" ] || return 1
  # ldd says so for static binaries (and exits 1).
  out="$(LC_ALL=C ldd "$bb" 2>&1 || true)"
  [[ "$out" == *"not a dynamic executable"* || "$out" == *"statically linked"* ]]
}

# Whether a process named dockerd runs (without procps, which minimal images lack).
dockerd_running() {
  local f
  for f in "$PROC"/[0-9]*/comm; do
    [ "$(cat "$f" 2>/dev/null)" = dockerd ] && return 0
  done
  return 1
}

wait_for_engine() {
  local limit=$1 waited=0
  while ! docker_answers; do
    if [ "$waited" -ge "$limit" ]; then return 1; fi
    sleep 1
    waited=$((waited + 1))
    if [ $((waited % 5)) -eq 0 ]; then say "waiting for the Docker engine… ${waited}s"; fi
  done
  return 0
}

apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  local p need_update=0
  for p in "$@"; do
    # No candidate known: the package lists are missing (fresh machine) or do not have it.
    if ! apt-cache show "$p" >/dev/null 2>&1; then need_update=1; fi
  done
  if [ "$need_update" -eq 1 ]; then
    say "apt-get update…"
    apt-get update -q
  fi
  say "apt-get install -y $*…"
  if ! apt-get install -y -q "$@"; then
    # Lists older than the mirror (404s): refresh once and retry.
    say "install failed; apt-get update and one more try…"
    apt-get update -q
    apt-get install -y -q "$@"
  fi
}

start_engine() {
  if have systemctl && [ -d /run/systemd/system ]; then
    say "starting Docker with systemctl…"
    if systemctl start docker && wait_for_engine 30; then return 0; fi
    say "systemctl did not bring the engine up; starting dockerd directly"
  elif have service && [ -x /etc/init.d/docker ] && [ "$(cat "$PROC/1/comm" 2>/dev/null)" = init ]; then
    say "starting Docker with service…"
    if service docker start && wait_for_engine 30; then return 0; fi
    say "service did not bring the engine up; starting dockerd directly"
  fi
  if ! dockerd_running; then
    # A pid file left by a dockerd that died stops a new one from starting.
    rm -f "$DOCKER_PIDFILE"
    say "starting dockerd in the background (log: $DOCKERD_LOG)…"
    setsid nohup dockerd >>"$DOCKERD_LOG" 2>&1 </dev/null &
  else
    say "dockerd is running but does not answer yet"
  fi
  if ! wait_for_engine "$WAIT_SECONDS"; then
    tail -n 20 "$DOCKERD_LOG" >&2 2>/dev/null || true
    die "the Docker engine did not answer within ${WAIT_SECONDS}s (see $DOCKERD_LOG)"
  fi
}

main() {
  local engine_ok=0 missing=()
  if docker_answers; then engine_ok=1; fi
  if [ "$engine_ok" -eq 0 ] && { ! have docker || ! have dockerd; }; then missing+=(docker.io); fi
  if ! compose_answers; then missing+=(docker-compose); fi
  if [ "${KUBELAB_OFFLINE_IMAGES:-}" != 0 ]; then
    static_busybox || missing+=(busybox-static)
    have etcd || missing+=(etcd-server)
    have nft || missing+=(nftables)           # kube-proxy's kernel forwarding (else: user space)
    have conntrack || missing+=(conntrack)
  fi

  if [ "${#missing[@]}" -gt 0 ]; then
    say "missing: ${missing[*]}"
    if ! is_debian; then
      die "this is not Debian/Ubuntu, so install these yourself: Docker Engine with Compose (v2 plugin or docker-compose v1), a statically linked busybox, and etcd 3.4 or newer (its 'etcd' binary on PATH); with a registry reachable, KUBELAB_OFFLINE_IMAGES=0 needs only Docker and Compose"
    fi
    if ! is_root; then
      die "run as root to install them: sudo apt-get install -y ${missing[*]} (or: sudo $0)"
    fi
    apt_install "${missing[@]}"
  fi

  if [ "$engine_ok" -eq 0 ] && ! docker_answers; then
    if ! is_root; then
      local why
      why="$(docker info 2>&1 >/dev/null | tail -n 1 || true)"
      case "$why" in
        *"permission denied"*) die "Docker refuses this user ($why): add it to the docker group (sudo usermod -aG docker $USER, then log in again)" ;;
        *) die "the Docker engine does not answer ($why): start it as root (sudo systemctl start docker, or sudo $0)" ;;
      esac
    fi
    start_engine
  fi

  local server compose
  server="$(docker version --format '{{.Server.Version}}' 2>/dev/null || echo '?')"
  if timeout 20 docker compose version >/dev/null 2>&1; then compose="docker compose (v2)"; else compose="docker-compose (v1)"; fi
  say "Docker engine $server answers; compose: $compose"
}

main "$@"
