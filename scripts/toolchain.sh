#!/usr/bin/env bash
# Provides the offline Pulumi toolchain switchyard needs, building what is missing from Go modules:
#   (a) the pulumi CLI v3.259.0          (toolchain/cli: wrapper module over pkg/v3)
#   (b) the nodejs language host         (toolchain/language-nodejs: switchyard's own implementation)
#       + the pulumi-resource-pulumi-nodejs launcher for pulumi.dynamic providers
#   (c) resource plugins docker/command/random at the versions the npm SDKs ask for
#       (official plugin if `pulumi plugin ls` has it, else built from toolchain/providers)
#   (d) an env file other scripts source: ${SWITCHYARD_CACHE}/toolchain/env.sh
#
# Idempotent: every build is cached under ${SWITCHYARD_CACHE:-$HOME/.cache/switchyard}/toolchain, keyed by
# version + sha256 of its sources + go version; a second run only checks keys.
# Plugins are installed into the PULUMI_HOME in effect ($PULUMI_HOME or ~/.pulumi): run this script
# with the same PULUMI_HOME the tests use.
# Does not install node, npm packages or docker.
set -uo pipefail

PULUMI_VERSION=3.259.0
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${SWITCHYARD_CACHE:-$HOME/.cache/switchyard}
TC=$CACHE/toolchain
BIN=$TC/pulumi-v$PULUMI_VERSION/bin
ENV_FILE=$TC/env.sh
PLUGIN_HOME=${PULUMI_HOME:-$HOME/.pulumi}
export GOFLAGS=-mod=mod
export PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true

T0=$(date +%s.%N)
STEP=start
elapsed() { awk -v a="$T0" -v b="$(date +%s.%N)" 'BEGIN { printf "%6.1fs", b - a }'; }
log() { echo "[toolchain $(elapsed)] $STEP: $*"; }
fail() { echo "[toolchain $(elapsed)] FAILED in step '$STEP': $*" >&2; exit 1; }
step() { STEP=$1; log "start"; }

# sha256 over a source tree (sorted paths + contents), excluding build outputs and VCS metadata.
tree_hash() {
    (cd "$1" && find . -type f ! -path './.git/*' ! -path './bin/*' ! -path '*/node_modules/*' -print0 |
        LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)
}

mkdir -p "$BIN" || fail "cannot create $BIN"

# ---------------------------------------------------------------------------------------------------
step "go"
GO_VERSION=""
if command -v go >/dev/null 2>&1; then
    GO_VERSION=$(go env GOVERSION)
    log "$GO_VERSION at $(command -v go), GOPROXY=$(go env GOPROXY)"
else
    log "go not on PATH: fine as long as nothing needs building"
fi
need_go() { [ -n "$GO_VERSION" ] || fail "go is not on PATH and $1 must be built (install Go >= 1.25.11)"; }

# ---------------------------------------------------------------------------------------------------
step "pulumi-cli"
PULUMI=""
cli_key="v$PULUMI_VERSION-$(tree_hash "$REPO/toolchain/cli")-${GO_VERSION:-nogo}"
if p=$(command -v pulumi 2>/dev/null) && [ "$(dirname "$p")" != "$BIN" ] && v=$("$p" version 2>/dev/null); then
    PULUMI=$p
    log "using pulumi $v from PATH: $p"
    [ "$v" = "v$PULUMI_VERSION" ] || log "warning: expected v$PULUMI_VERSION, found $v (npm SDK is $PULUMI_VERSION)"
elif [ -x "$BIN/pulumi" ] && [ "$(cat "$BIN/.pulumi.key" 2>/dev/null)" = "$cli_key" ] && "$BIN/pulumi" version >/dev/null 2>&1; then
    PULUMI=$BIN/pulumi
    log "cached build $("$PULUMI" version) at $PULUMI (key $cli_key)"
else
    need_go "the pulumi CLI"
    log "building pulumi v$PULUMI_VERSION from toolchain/cli (cold: 4-10 min on 2 busy cores)"
    (cd "$REPO/toolchain/cli" && CGO_ENABLED=0 go build -p 1 -trimpath -tags osusergo,grpcnotrace \
        -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION" \
        -o "$BIN/pulumi.tmp" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi) ||
        fail "go build of github.com/pulumi/pulumi/pkg/v3/cmd/pulumi failed (see the go output above)"
    mv "$BIN/pulumi.tmp" "$BIN/pulumi" && echo "$cli_key" >"$BIN/.pulumi.key"
    PULUMI=$BIN/pulumi
    v=$("$PULUMI" version) || fail "built $PULUMI but 'pulumi version' fails"
    log "built pulumi $v"
fi
PULUMI_DIR=$(dirname "$PULUMI")

# ---------------------------------------------------------------------------------------------------
step "language-host"
LH_SRC=$REPO/toolchain/language-nodejs
lh_key="$(tree_hash "$LH_SRC")-${GO_VERSION:-nogo}"
# An official host bundled with a pulumi found elsewhere, or one on PATH outside our bin dir, wins.
lh_external=""
if [ "$PULUMI_DIR" != "$BIN" ] && [ -x "$PULUMI_DIR/pulumi-language-nodejs" ]; then
    lh_external=$PULUMI_DIR/pulumi-language-nodejs
elif p=$(command -v pulumi-language-nodejs 2>/dev/null) && [ "$(dirname "$p")" != "$BIN" ]; then
    lh_external=$p
fi
if [ -n "$lh_external" ]; then
    log "using $lh_external ($("$lh_external" -version 2>/dev/null || echo 'version unknown'))"
elif [ -x "$BIN/pulumi-language-nodejs" ] && [ "$(cat "$BIN/.pulumi-language-nodejs.key" 2>/dev/null)" = "$lh_key" ]; then
    log "cached build $("$BIN/pulumi-language-nodejs" -version) (key $lh_key)"
else
    need_go "the nodejs language host"
    log "building switchyard's pulumi-language-nodejs"
    (cd "$LH_SRC" && CGO_ENABLED=0 go build -p 1 -trimpath \
        -ldflags "-s -w -X main.version=$PULUMI_VERSION+switchyard" -o "$BIN/pulumi-language-nodejs.tmp" .) ||
        fail "go build in toolchain/language-nodejs failed (see the go output above)"
    mv "$BIN/pulumi-language-nodejs.tmp" "$BIN/pulumi-language-nodejs" && echo "$lh_key" >"$BIN/.pulumi-language-nodejs.key"
    log "built $("$BIN/pulumi-language-nodejs" -version)"
fi
if [ "$PULUMI_DIR" != "$BIN" ] && [ -z "$lh_external" ]; then
    log "note: pulumi is at $PULUMI_DIR but the language host is in $BIN: the CLI will warn 'using pulumi-language-nodejs from \$PATH'"
fi
# Dynamic-provider launcher (pulumi.dynamic): shipped next to pulumi by the official distribution.
if [ "$PULUMI_DIR" != "$BIN" ] && [ -x "$PULUMI_DIR/pulumi-resource-pulumi-nodejs" ]; then
    log "using $PULUMI_DIR/pulumi-resource-pulumi-nodejs"
elif ! cmp -s "$LH_SRC/launchers/pulumi-resource-pulumi-nodejs" "$BIN/pulumi-resource-pulumi-nodejs"; then
    install -m 0755 "$LH_SRC/launchers/pulumi-resource-pulumi-nodejs" "$BIN/" || fail "cannot install the dynamic-provider launcher"
    log "installed pulumi-resource-pulumi-nodejs launcher into $BIN"
else
    log "pulumi-resource-pulumi-nodejs launcher up to date"
fi

# ---------------------------------------------------------------------------------------------------
step "providers"
PROV_SRC=$REPO/toolchain/providers
providers_missing=()
plugin_list=$(PATH="$BIN:$PATH" "$PULUMI" plugin ls --json 2>/dev/null) || fail "'pulumi plugin ls --json' failed (PULUMI_HOME=$PLUGIN_HOME)"
has_plugin() { # name version(no v) -> 0 if `pulumi plugin ls` lists that exact resource plugin
    echo "$plugin_list" | python3 -c '
import json, sys
name, ver = sys.argv[1], sys.argv[2]
for p in json.load(sys.stdin) or []:
    if p.get("kind") == "resource" and p.get("name") == name and p.get("version", "").lstrip("v") == ver:
        sys.exit(0)
sys.exit(1)' "$1" "$2"
}
prov_key_base=""
if [ -d "$PROV_SRC" ]; then prov_key_base=$(tree_hash "$PROV_SRC"); fi
for name in docker command random; do
    pj=$REPO/node_modules/@pulumi/$name/package.json
    if [ ! -f "$pj" ]; then
        log "$name: no node_modules/@pulumi/$name (npm packages not installed yet?): skipped"
        continue
    fi
    ver=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(((d.get("pulumi") or {}).get("version") or d["version"]).lstrip("v"))' "$pj") ||
        fail "cannot read the plugin version from $pj"
    plugin_dir=$PLUGIN_HOME/plugins/resource-$name-v$ver
    marker=$plugin_dir/.switchyard-key
    key="$name-$ver-$prov_key_base-${GO_VERSION:-nogo}"
    if has_plugin "$name" "$ver" && [ ! -f "$marker" ]; then
        log "$name v$ver: official plugin already installed ($plugin_dir)"
        continue
    fi
    if has_plugin "$name" "$ver" && [ "$(cat "$marker")" = "$key" ]; then
        log "$name v$ver: switchyard build installed and current"
        continue
    fi
    if [ ! -d "$PROV_SRC/cmd/pulumi-resource-$name" ]; then
        log "$name v$ver: providers not built (no toolchain/providers/cmd/pulumi-resource-$name yet)"
        providers_missing+=("$name")
        continue
    fi
    need_go "the $name provider"
    out=$TC/providers/$name-v$ver-$prov_key_base
    if [ ! -x "$out/pulumi-resource-$name" ]; then
        log "$name v$ver: building ./cmd/pulumi-resource-$name"
        mkdir -p "$out"
        (cd "$PROV_SRC" && CGO_ENABLED=0 go build -p 1 -trimpath -ldflags "-s -w -X main.version=$ver" \
            -o "$out/pulumi-resource-$name.tmp" "./cmd/pulumi-resource-$name") ||
            fail "go build of toolchain/providers/cmd/pulumi-resource-$name failed (see the go output above)"
        mv "$out/pulumi-resource-$name.tmp" "$out/pulumi-resource-$name"
    else
        log "$name v$ver: cached build $out"
    fi
    PATH="$BIN:$PATH" "$PULUMI" plugin install resource "$name" "$ver" --file "$out/pulumi-resource-$name" --reinstall ||
        fail "pulumi plugin install resource $name $ver --file $out/pulumi-resource-$name failed"
    echo "$key" >"$marker" || fail "cannot write $marker"
    log "$name v$ver: installed into $plugin_dir"
done

# ---------------------------------------------------------------------------------------------------
step "env"
path_line() { # prepend $1 to PATH unless it is already there
    printf 'case ":$PATH:" in *":%s:"*) ;; *) export PATH="%s:$PATH" ;; esac\n' "$1" "$1"
}
{
    echo "# Written by scripts/toolchain.sh: source it to use switchyard's offline Pulumi toolchain."
    path_line "$BIN"
    [ "$PULUMI_DIR" = "$BIN" ] || path_line "$PULUMI_DIR" # the chosen pulumi comes first
    echo "export PULUMI_SKIP_UPDATE_CHECK=true"
    echo "export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true"
} >"$ENV_FILE.tmp"
mv "$ENV_FILE.tmp" "$ENV_FILE" || fail "cannot write $ENV_FILE"
log "wrote $ENV_FILE"
path_prefix=$BIN
[ "$PULUMI_DIR" = "$BIN" ] || path_prefix=$PULUMI_DIR:$BIN
echo "export PATH=\"$path_prefix:\$PATH\" PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true"
if [ ${#providers_missing[@]} -gt 0 ]; then
    STEP=done; log "toolchain ready except providers not built: ${providers_missing[*]}"
else
    STEP=done; log "toolchain ready"
fi
