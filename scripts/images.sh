#!/usr/bin/env bash
# Builds switchyard's local images on this machine; nothing is pulled from a registry.
#
#   scripts/images.sh [--only base,demo-app,router,prometheus,postgres,backup-runner,docker-host] [--force] [VERSION...]
#
#   VERSION...  semver tags for switchyard/demo-app (default: $SWITCHYARD_APP_VERSIONS or
#               "1.0.0 1.1.0"). All versions share one build; the running version comes
#               from the container's APP_VERSION env.
#   --only      build only these images (base is still built/checked when another needs it).
#   --force     rebuild even when the inputs hash matches the existing image.
#
# Images:
#   switchyard/base:bookworm        debootstrap --variant=minbase + ca-certificates curl tini,
#                                   imported with `docker import`
#   switchyard/demo-app:<VERSION>   app/ (node 18 from Debian, prom-client)
#   switchyard/router:$TAG          nginx + curl, two nginx masters (see images/router/README.md)
#   switchyard/prometheus:$TAG      Debian's prometheus
#   switchyard/postgres:$TAG        Debian's postgresql-15
#   switchyard/backup-runner:$TAG   Debian's cron, nodejs, postgresql-client-15, mariadb-client + the
#                                   backup tool's npm dependencies (see images/backup-runner/Dockerfile)
#   switchyard/docker-host:$TAG     Debian's docker.io + openssh-server: a Docker host for the
#                                   multi-host tests (test/engine/dockerHosts.ts), run with every capability
# with TAG=${SWITCHYARD_IMAGE_TAG:-local}; every image also gets a content tag sha-<12 hex>.
#
# Idempotent: each image carries the label io.switchyard.inputs-sha256 (hash of everything
# that goes into it, including the parent image id); when it matches, the step is skipped.
# Env: SWITCHYARD_DEBIAN_MIRROR / SWITCHYARD_DEBIAN_SECURITY override the mirrors read from
# /etc/apt/sources.list.d/*.sources or /etc/apt/sources.list.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
IMAGES="$ROOT/images"
SUITE=bookworm
BASE_REF="switchyard/base:$SUITE"
TAG=${SWITCHYARD_IMAGE_TAG:-local}
LABEL=io.switchyard.inputs-sha256
# Bump when the recipe below changes in a way the hashed files do not show.
RECIPE=3

T0=$(date +%s.%N)
step() { printf '[images %7.1fs] %s\n' "$(awk -v a="$T0" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')" "$*"; }
die() { printf 'images.sh: %s\n' "$*" >&2; exit 1; }

# docker-host is for the multi-host tests only: scripts/test-hosts.sh builds it when it is missing.
ONLY="base,demo-app,router,prometheus,postgres,backup-runner"
FORCE=0
VERSIONS=()
while (($#)); do
  case $1 in
    --only) ONLY=${2:?--only needs a comma-separated list}; shift 2 ;;
    --only=*) ONLY=${1#--only=}; shift ;;
    --force) FORCE=1; shift ;;
    -h|--help) sed -n '2,25p' "${BASH_SOURCE[0]}"; exit 0 ;;
    -*) die "unknown option $1 (see --help)" ;;
    *) VERSIONS+=("$1"); shift ;;
  esac
done
if ((${#VERSIONS[@]} == 0)); then read -r -a VERSIONS <<<"${SWITCHYARD_APP_VERSIONS:-1.0.0 1.1.0}"; fi
SEMVER='^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$'
for v in "${VERSIONS[@]}"; do
  [[ $v =~ $SEMVER ]] || die "demo-app version '$v' is not a semver (expected e.g. 1.4.2)"
  [[ $v != *+* ]] || die "demo-app version '$v': docker tags cannot contain '+', drop the build metadata"
done
wants() { [[ ",$ONLY," == *",$1,"* ]]; }
for w in ${ONLY//,/ }; do
  case $w in base|demo-app|router|prometheus|postgres|backup-runner|docker-host) ;; *) die "--only: unknown image '$w'" ;; esac
done

command -v docker >/dev/null || die "docker CLI not found"
docker info >/dev/null 2>&1 || die "docker engine not reachable (start it: dockerd > /tmp/dockerd.log 2>&1 &)"

# One build at a time on this machine.
exec 9>/tmp/switchyard-images.lock
flock 9

label_of() { docker image inspect "$1" --format "{{ index .Config.Labels \"$LABEL\" }}" 2>/dev/null || true; }
sha() { sha256sum | cut -d' ' -f1; }
# Hash of a directory tree: relative paths, modes, symlink targets and file contents. Leaves
# out what each image's .dockerignore keeps out of the build (docs, self-tests, benchmarks).
tree_sha() {
  local skip=(-name README.md -o -name selftest.sh -o -name bench -o -name .dockerignore)
  (cd "$1" && {
    find . \( "${skip[@]}" \) -prune -o \( -type f -o -type l \) -printf '%p %m %l\n' | LC_ALL=C sort
    find . \( "${skip[@]}" \) -prune -o -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum
  }) | sha
}

# --- Debian mirror, as this host's apt is configured ---------------------------------------
# Prints the first URI whose suites include $1 (deb822 .sources first, then one-line lists).
mirror_for() {
  local suite=$1 f
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -f $f ]] || continue
    awk -v want="$suite" '
      function flush() { if (types ~ /(^| )deb( |$)/ && (" " suites " ") ~ (" " want " ") && uri != "") { print uri; found=1; exit } }
      /^[ \t]*$/ { flush(); types=""; suites=""; uri=""; next }
      /^Types:/ { $1=""; types=$0 }
      /^Suites:/ { $1=""; suites=$0 }
      /^URIs:/ { uri=$2 }
      END { if (!found) flush() }' "$f"
  done | head -n1 | grep . && return 0
  cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
    awk -v want="$suite" '$1=="deb" { i=2; if ($2 ~ /^\[/) { while ($i !~ /\]$/) i++; i++ } if ($(i+1)==want) { print $i; exit } }' | grep .
}
MIRROR=${SWITCHYARD_DEBIAN_MIRROR:-$(mirror_for "$SUITE" || true)}
[[ -n $MIRROR ]] || die "no Debian mirror for $SUITE in /etc/apt (set SWITCHYARD_DEBIAN_MIRROR)"
SECURITY=${SWITCHYARD_DEBIAN_SECURITY:-$(mirror_for "$SUITE-security" || true)}

# --- base ----------------------------------------------------------------------------------
build_base() {
  local pkgs hash have dir
  pkgs=$(grep -Ev '^\s*(#|$)' "$IMAGES/base/packages.txt" | tr -s ' \n' ',' | sed 's/,$//')
  hash=$( { echo "recipe=$RECIPE suite=$SUITE mirror=$MIRROR security=$SECURITY"; tree_sha "$IMAGES/base"; } | sha)
  have=$(label_of "$BASE_REF")
  if [[ $have == "$hash" && $FORCE == 0 ]]; then step "base: $BASE_REF up to date (inputs ${hash:0:12})"; return; fi
  command -v debootstrap >/dev/null || die "debootstrap not installed (apt-get install -y debootstrap)"
  dir=$(mktemp -d /tmp/switchyard-base.XXXXXX)
  step "base: debootstrap --variant=minbase $SUITE from $MIRROR (+ $pkgs)"
  # Docs are dropped from the start: the dpkg filter is in place before the first package unpacks.
  mkdir -p "$dir/etc/dpkg/dpkg.cfg.d"
  cp "$IMAGES/base/dpkg-nodoc.cfg" "$dir/etc/dpkg/dpkg.cfg.d/90switchyard-nodoc"
  if ! debootstrap --variant=minbase --include="$pkgs" "$SUITE" "$dir" "$MIRROR" >"$dir.log" 2>&1; then
    tail -n 30 "$dir.log" >&2; die "debootstrap failed (full log: $dir.log)"
  fi
  rm -f "$dir.log"
  step "base: configuring apt and cleaning"
  install -m 0644 "$IMAGES/base/apt.conf" "$dir/etc/apt/apt.conf.d/90switchyard"
  install -m 0755 "$IMAGES/base/policy-rc.d" "$dir/usr/sbin/policy-rc.d"
  {
    echo "deb $MIRROR $SUITE main"
    echo "deb $MIRROR $SUITE-updates main"
    [[ -z $SECURITY ]] || echo "deb $SECURITY $SUITE-security main"
  } >"$dir/etc/apt/sources.list"
  rm -rf "$dir"/var/lib/apt/lists/* "$dir"/var/cache/apt/*.bin "$dir"/var/cache/apt/archives/*.deb \
    "$dir"/var/log/*.log "$dir"/var/log/apt/* "$dir"/tmp/* "$dir"/usr/share/doc/*/changelog* \
    "$dir"/usr/share/man/* "$dir"/usr/share/info/*
  : >"$dir/etc/resolv.conf"; echo switchyard >"$dir/etc/hostname"
  step "base: docker import"
  tar -C "$dir" --numeric-owner -c . | docker import \
    --change "LABEL $LABEL=$hash" \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8' \
    --change 'CMD ["/bin/bash"]' \
    --message "switchyard base: debootstrap minbase $SUITE + $pkgs" - "$BASE_REF" >/dev/null
  docker tag "$BASE_REF" "switchyard/base:sha-${hash:0:12}"
  prune_sha_tags switchyard/base "sha-${hash:0:12}"
  rm -rf --one-file-system "$dir"
  step "base: $BASE_REF built (inputs ${hash:0:12})"
}

# --- docker builds on top of base ----------------------------------------------------------
# build_image NAME CONTEXT_DIR TAG...   (Dockerfile in CONTEXT_DIR, FROM $BASE_REF)
build_image() {
  local name=$1 ctx=$2; shift 2
  local base_id hash ref=$name:$1 t
  base_id=$(docker image inspect "$BASE_REF" --format '{{.Id}}' 2>/dev/null) ||
    die "$name: $BASE_REF is missing, run without --only or with --only base,..."
  hash=$( { echo "recipe=$RECIPE base=$base_id"; tree_sha "$ctx"; } | sha)
  if [[ $(label_of "$ref") == "$hash" && $FORCE == 0 ]]; then
    step "$name: up to date (inputs ${hash:0:12})"
  else
    step "$name: docker build"
    # The legacy builder never resolves FROM against a registry unless --pull is given;
    # BuildKit is off so that an engine/CLI pairing that defaults to it cannot try either.
    if ! DOCKER_BUILDKIT=0 docker build --pull=false --label "$LABEL=$hash" -t "$ref" "$ctx" \
        >"/tmp/switchyard-build-${name//\//_}.log" 2>&1; then
      tail -n 40 "/tmp/switchyard-build-${name//\//_}.log" >&2
      die "$name: docker build failed (log: /tmp/switchyard-build-${name//\//_}.log)"
    fi
    step "$name: built"
  fi
  for t in "$@" "sha-${hash:0:12}"; do docker tag "$ref" "$name:$t"; done
  prune_sha_tags "$name" "sha-${hash:0:12}"
}

# Drops NAME's older content tags (sha-*); images still used by containers stay (untagged).
prune_sha_tags() {
  local name=$1 keep=$2 t
  docker image ls "$name" --format '{{.Tag}}' | grep '^sha-' | grep -vx "$keep" |
    while read -r t; do docker image rm "$name:$t" >/dev/null 2>&1 || true; done || true
}

stage_app() {
  local stage=$1 lock_sha stamp="$ROOT/app/node_modules/.switchyard-lock-sha256"
  lock_sha=$(cat "$ROOT/app/package.json" "$ROOT/app/package-lock.json" | sha)
  if [[ ! -f $stamp || $(cat "$stamp") != "$lock_sha" ]]; then
    step "demo-app: npm ci --omit=dev in app/ (host npm, registry)"
    (cd "$ROOT/app" && npm ci --omit=dev --no-audit --no-fund --loglevel=error >/dev/null)
    echo "$lock_sha" >"$stamp"
  fi
  mkdir -p "$stage"
  cp "$IMAGES/demo-app/Dockerfile" "$stage/"
  cp "$ROOT/app/package.json" "$ROOT/app/package-lock.json" "$stage/"
  cp -r "$ROOT/app/src" "$stage/src"
  # The stamp is a host-side detail; leave it out so the hash only follows real inputs.
  (cd "$ROOT/app" && tar -c --exclude=.switchyard-lock-sha256 --exclude=.package-lock.json node_modules) | tar -C "$stage" -x
}

# The backup tool's npm dependencies, at the versions of the project's own node_modules, installed
# from the npm registry into a build context with the image's files (the tool's code is uploaded
# by the Pulumi program, not baked in).
stage_backup_runner() {
  local stage=$1 deps
  deps=$(cd "$ROOT" && node -e '
    const v = (p) => require("./node_modules/" + p + "/package.json").version;
    const d = {}; for (const p of ["zod", "typescript", "@aws-sdk/client-s3"]) d[p] = v(p);
    console.log(JSON.stringify({ name: "switchyard-backup-runner", private: true, dependencies: d }));')
  cp "$IMAGES/backup-runner/Dockerfile" "$IMAGES/backup-runner/entrypoint.sh" "$IMAGES/backup-runner/switchyard-backup-run" "$stage/"
  echo "$deps" >"$stage/package.json"
  local cache=/tmp/switchyard-backup-runner-deps stamp
  stamp=$(echo "$deps" | sha)
  if [[ ! -f $cache/.stamp || $(cat "$cache/.stamp") != "$stamp" ]]; then
    step "backup-runner: npm install (host npm, registry) $deps"
    rm -rf "$cache"; mkdir -p "$cache"; cp "$stage/package.json" "$cache/"
    (cd "$cache" && npm install --omit=dev --no-audit --no-fund --no-package-lock --loglevel=error >/dev/null)
    echo "$stamp" >"$cache/.stamp"
  fi
  cp -r "$cache/node_modules" "$stage/node_modules"
}

step "mirror $MIRROR${SECURITY:+, security $SECURITY}; images: $ONLY; demo-app versions: ${VERSIONS[*]}"
if wants base || [[ -z $(label_of "$BASE_REF") ]]; then build_base; fi
if wants demo-app; then
  STAGE=$(mktemp -d /tmp/switchyard-app-stage.XXXXXX)
  trap 'rm -rf "$STAGE"' EXIT
  stage_app "$STAGE"
  build_image switchyard/demo-app "$STAGE" "${VERSIONS[@]}"
fi
if wants router; then build_image switchyard/router "$IMAGES/router" "$TAG"; fi
if wants prometheus; then build_image switchyard/prometheus "$IMAGES/prometheus" "$TAG"; fi
if wants postgres; then build_image switchyard/postgres "$IMAGES/postgres" "$TAG"; fi
if wants backup-runner; then
  RSTAGE=$(mktemp -d /tmp/switchyard-runner-stage.XXXXXX)
  stage_backup_runner "$RSTAGE"
  build_image switchyard/backup-runner "$RSTAGE" "$TAG"
  rm -rf "$RSTAGE"
fi
if wants docker-host; then build_image switchyard/docker-host "$IMAGES/docker-host" "$TAG"; fi

step "done"
docker image ls --format '{{.Repository}}:{{.Tag}}\t{{.ID}}\t{{.Size}}' | grep '^switchyard/' | sort
