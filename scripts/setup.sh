#!/usr/bin/env bash
# Everything switchyard needs on this machine, installed by the project itself (idempotent):
#   1. system packages (root only): Docker engine, nginx, PostgreSQL, Prometheus, debootstrap
#   2. a running Docker engine
#   3. npm packages (npm ci)
#   4. the Pulumi toolchain (scripts/toolchain.sh: what is on PATH first, else built from Go modules)
#   5. the local images (scripts/images.sh: built on this machine, nothing pulled)
# Each step prints its elapsed time; a failure names the step.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$SY_ROOT"

PACKAGES=(docker.io openssh-client nginx-light postgresql prometheus debootstrap curl ca-certificates busybox-static mtail mariadb-server mariadb-client docker-registry apache2-utils)

sy_log "setup: system packages"
missing=()
for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        sy_log "setup: installing ${missing[*]}"
        apt-get update -qq || sy_die "step 'system packages': apt-get update failed"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
            || sy_die "step 'system packages': apt-get install ${missing[*]} failed"
    else
        sy_log "setup: not root or no apt-get: make sure these are installed: ${missing[*]}"
    fi
fi

sy_log "setup: docker engine"
if ! docker info >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v dockerd >/dev/null; then
        sy_log "setup: starting dockerd"
        # The pid lets scripts/test.sh stop an engine that only the tests needed.
        (setsid dockerd >/tmp/switchyard-dockerd.log 2>&1 & echo $! >/tmp/switchyard-dockerd.pid)
        for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
        docker info >/dev/null 2>&1 || sy_die "step 'docker engine': dockerd did not start (see /tmp/switchyard-dockerd.log)"
    else
        sy_die "step 'docker engine': no Docker engine answers; start Docker (or run this as root to let it install and start docker.io)"
    fi
fi

sy_log "setup: npm packages"
if [ ! -f node_modules/.package-lock.json ] || ! cmp -s package-lock.json .switchyard/npm-ci.lock 2>/dev/null; then
    npm ci --no-audit --no-fund --loglevel=error || sy_die "step 'npm packages': npm ci failed"
    mkdir -p .switchyard && cp package-lock.json .switchyard/npm-ci.lock
fi

sy_log "setup: pulumi toolchain"
bash scripts/toolchain.sh || sy_die "step 'pulumi toolchain' failed (see above)"

sy_log "setup: local images"
bash scripts/images.sh || sy_die "step 'local images' failed (see above)"
sy_log "setup: done"
