#!/usr/bin/env bash
# The Pulumi toolchain switchyard runs on: the CLI and the official plugins at the versions the npm
# SDKs ask for. Whatever is already installed is used first (a `pulumi` on PATH, plugins in the
# plugin cache); only what is missing is built, from Go modules (the CLI) and from the official
# plugin sources in ../shared/upstream (or $SWITCHYARD_UPSTREAM), the way their own Makefiles do.
# Builds are cached under ${SWITCHYARD_CACHE:-~/.cache/switchyard}/toolchain by source sha256 and
# Go version; a warm run only compares keys. Writes toolchain/env.sh for the other scripts.
# Plugins go into the PULUMI_HOME in effect ($PULUMI_HOME or ~/.pulumi).
set -uo pipefail

PULUMI_VERSION=3.259.0
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${SWITCHYARD_CACHE:-$HOME/.cache/switchyard}
TC=$CACHE/toolchain
BIN=$TC/pulumi-v$PULUMI_VERSION/bin
ENV_FILE=$TC/env.sh
PLUGIN_HOME=${PULUMI_HOME:-$HOME/.pulumi}
UPSTREAM=${SWITCHYARD_UPSTREAM:-$REPO/../shared/upstream}
export GOFLAGS=-mod=mod
export PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
# A build of the official sources is marked with this file in its plugin directory, so a later run
# can tell it from a plugin someone else installed (left alone) or from an outdated build.
MARK=.switchyard-official

T0=$(date +%s.%N)
STEP=start
elapsed() { awk -v a="$T0" -v b="$(date +%s.%N)" 'BEGIN { printf "%6.1fs", b - a }'; }
log() { echo "[toolchain $(elapsed)] $STEP: $*"; }
fail() { echo "[toolchain $(elapsed)] FAILED in step '$STEP': $*" >&2; exit 1; }
step() { STEP=$1; log "start"; }
sha() { sha256sum "$1" | cut -c1-16; }
tree_hash() { # sha256 over a source tree's sorted paths and contents
    (cd "$1" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)
}

mkdir -p "$BIN" || fail "cannot create $BIN"

step "go"
GO_VERSION=""
if command -v go >/dev/null 2>&1; then
    GO_VERSION=$(go env GOVERSION)
    log "$GO_VERSION at $(command -v go), GOPROXY=$(go env GOPROXY)"
else
    log "go not on PATH: fine as long as nothing needs building"
fi
need_go() { [ -n "$GO_VERSION" ] || fail "go is not on PATH and $1 must be built (install Go >= 1.25.11)"; }

# Unpacks an official source archive into a fresh build directory; prints the directory.
unpack() { # archive -> dir
    local archive=$UPSTREAM/$1 dir=$TC/src/${1%.tar.gz}
    [ -f "$archive" ] || fail "$archive is missing: the official plugin sources are needed to build $1 (set SWITCHYARD_UPSTREAM to their folder, or install the official plugin)"
    rm -rf "$dir" && mkdir -p "$dir" && tar -xzf "$archive" -C "$dir" || fail "cannot unpack $archive"
    echo "$dir"
}

step "pulumi-cli"
PULUMI=""
cli_key="v$PULUMI_VERSION-$(tree_hash "$REPO/toolchain/cli")-${GO_VERSION:-nogo}"
if p=$(command -v pulumi 2>/dev/null) && [ "$(dirname "$p")" != "$BIN" ] && v=$("$p" version 2>/dev/null); then
    PULUMI=$p
    log "using pulumi $v from PATH: $p"
    [ "$v" = "v$PULUMI_VERSION" ] || log "warning: expected v$PULUMI_VERSION, found $v (npm SDK is $PULUMI_VERSION)"
elif [ -x "$BIN/pulumi" ] && [ "$(cat "$BIN/.pulumi.key" 2>/dev/null)" = "$cli_key" ] && "$BIN/pulumi" version >/dev/null 2>&1; then
    PULUMI=$BIN/pulumi
    log "cached build $("$PULUMI" version) (key $cli_key)"
else
    need_go "the pulumi CLI"
    log "building pulumi v$PULUMI_VERSION from github.com/pulumi/pulumi/pkg/v3 (cold: about 5 min on 2 cores)"
    (cd "$REPO/toolchain/cli" && CGO_ENABLED=0 go build -p 2 -trimpath -tags osusergo,grpcnotrace \
        -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION" \
        -o "$BIN/pulumi.tmp" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi) ||
        fail "go build of github.com/pulumi/pulumi/pkg/v3/cmd/pulumi failed (see the go output above)"
    mv "$BIN/pulumi.tmp" "$BIN/pulumi" && echo "$cli_key" >"$BIN/.pulumi.key"
    PULUMI=$BIN/pulumi
    log "built pulumi $("$PULUMI" version)"
fi
PULUMI_DIR=$(dirname "$PULUMI")

step "language-host"
# The official host ships next to an official CLI; otherwise it is built beside ours.
if [ "$PULUMI_DIR" != "$BIN" ] && [ -x "$PULUMI_DIR/pulumi-language-nodejs" ]; then
    log "using $PULUMI_DIR/pulumi-language-nodejs"
else
    archive=pulumi-language-nodejs-$PULUMI_VERSION.tar.gz
    lh_key="$(sha "$UPSTREAM/$archive" 2>/dev/null || echo missing)-${GO_VERSION:-nogo}"
    if [ -x "$BIN/pulumi-language-nodejs" ] && [ "$(cat "$BIN/.pulumi-language-nodejs.key" 2>/dev/null)" = "$lh_key" ]; then
        log "cached build of the official host (key $lh_key)"
    else
        need_go "the nodejs language host"
        src=$(unpack "$archive")/sdk/nodejs/cmd/pulumi-language-nodejs || exit 1
        log "building the official pulumi-language-nodejs $PULUMI_VERSION"
        # Its go.mod points pkg/v3 and sdk/v3 into the pulumi repo; take the released modules instead.
        (cd "$src" && go mod edit -dropreplace github.com/pulumi/pulumi/pkg/v3 -dropreplace github.com/pulumi/pulumi/sdk/v3 \
            -require github.com/pulumi/pulumi/pkg/v3@v$PULUMI_VERSION -require github.com/pulumi/pulumi/sdk/v3@v$PULUMI_VERSION &&
            CGO_ENABLED=0 go build -p 2 -trimpath \
                -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION" \
                -o "$BIN/pulumi-language-nodejs.tmp" .) || fail "go build of the nodejs language host failed (see above)"
        mv "$BIN/pulumi-language-nodejs.tmp" "$BIN/pulumi-language-nodejs" && echo "$lh_key" >"$BIN/.pulumi-language-nodejs.key"
        log "built pulumi-language-nodejs"
    fi
fi
# A language host of another origin on PATH ahead of ours would win; none is written any more.
rm -f "$BIN/pulumi-resource-pulumi-nodejs"

step "providers"
plugin_list=$(PATH="$BIN:$PATH" "$PULUMI" plugin ls --json 2>/dev/null) || fail "'pulumi plugin ls --json' failed (PULUMI_HOME=$PLUGIN_HOME)"
has_plugin() { # name version -> 0 if `pulumi plugin ls` lists that exact resource plugin
    echo "$plugin_list" | node -e '
const [name, ver] = process.argv.slice(1);
const list = JSON.parse(require("fs").readFileSync(0, "utf8") || "[]") || [];
process.exit(list.some((p) => p.kind === "resource" && p.name === name && String(p.version).replace(/^v/, "") === ver) ? 0 : 1);' "$1" "$2"
}
# How each official provider is built: its archive, the folder of its go.mod, the version package.
declare -A MODPATH=(
    [docker]=github.com/pulumi/pulumi-docker/provider/v5
    [command]=github.com/pulumi/pulumi-command/provider
    [random]=github.com/pulumi/pulumi-random/provider/v4
)
for name in docker command random; do
    pj=$REPO/node_modules/@pulumi/$name/package.json
    [ -f "$pj" ] || fail "node_modules/@pulumi/$name is missing: run npm ci first (it names the plugin version)"
    ver=$(node -e 'const d = require(process.argv[1]); console.log(((d.pulumi || {}).version || d.version).replace(/^v/, ""))' "$pj") ||
        fail "cannot read the plugin version from $pj"
    plugin_dir=$PLUGIN_HOME/plugins/resource-$name-v$ver
    archive=pulumi-$name-$ver.tar.gz
    key="$name-$ver-$(sha "$UPSTREAM/$archive" 2>/dev/null || echo missing)-${GO_VERSION:-nogo}"
    if has_plugin "$name" "$ver" && [ -f "$plugin_dir/$MARK" ] && [ "$(cat "$plugin_dir/$MARK")" = "$key" ]; then
        log "$name v$ver: official build installed and current"
        continue
    fi
    if has_plugin "$name" "$ver" && [ ! -f "$plugin_dir/$MARK" ] && [ ! -f "$plugin_dir/.switchyard-key" ]; then
        log "$name v$ver: plugin already installed ($plugin_dir): used as is"
        continue
    fi
    # .switchyard-key marks switchyard's former stand-in providers: they are replaced here.
    [ -f "$plugin_dir/.switchyard-key" ] && log "$name v$ver: replacing switchyard's former stand-in provider with the official one"
    out=$TC/plugins/$key
    if [ ! -x "$out/pulumi-resource-$name" ]; then
        need_go "the $name provider"
        src=$(unpack "$archive")/provider || exit 1
        log "$name v$ver: building the official provider from $archive"
        if [ -f "$src/cmd/pulumi-resource-$name/generate.go" ]; then
            # Bridged providers embed a schema generated from the committed schema.json.
            (cd "$src/cmd/pulumi-resource-$name" && VERSION=$ver go run ./generate.go) ||
                fail "$name: schema generation (go run ./generate.go) failed"
        fi
        mkdir -p "$out"
        (cd "$src" && CGO_ENABLED=0 go build -p 2 -trimpath \
            -ldflags "-s -w -X ${MODPATH[$name]}/pkg/version.Version=$ver" \
            -o "$out/pulumi-resource-$name.tmp" "./cmd/pulumi-resource-$name") ||
            fail "go build of the official $name provider failed (see the go output above)"
        mv "$out/pulumi-resource-$name.tmp" "$out/pulumi-resource-$name"
        rm -rf "$TC/src/${archive%.tar.gz}"
    else
        log "$name v$ver: cached build $out"
    fi
    PATH="$BIN:$PATH" "$PULUMI" plugin install resource "$name" "$ver" --file "$out/pulumi-resource-$name" --reinstall >/dev/null ||
        fail "pulumi plugin install resource $name $ver --file $out/pulumi-resource-$name failed"
    rm -f "$plugin_dir/.switchyard-key"
    echo "$key" >"$plugin_dir/$MARK" || fail "cannot write $plugin_dir/$MARK"
    log "$name v$ver: installed into $plugin_dir"
done

step "env"
path_line() { # prepend $1 to PATH unless it is already there
    printf 'case ":$PATH:" in *":%s:"*) ;; *) export PATH="%s:$PATH" ;; esac\n' "$1" "$1"
}
{
    echo "# Written by scripts/toolchain.sh: source it to use switchyard's Pulumi toolchain."
    path_line "$BIN"
    [ "$PULUMI_DIR" = "$BIN" ] || path_line "$PULUMI_DIR" # the chosen pulumi comes first
    echo "export PULUMI_SKIP_UPDATE_CHECK=true"
    echo "export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true"
} >"$ENV_FILE.tmp"
mv "$ENV_FILE.tmp" "$ENV_FILE" || fail "cannot write $ENV_FILE"
STEP=done
log "toolchain ready ($ENV_FILE)"
