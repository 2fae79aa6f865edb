#!/usr/bin/env bash
# actionlint for .github/workflows (run by tools/ciWorkflow.test.ts, so `npm test` checks the
# workflows): the binary is built once from its Go module at a pinned version and cached under
# ${SWITCHYARD_CACHE:-~/.cache/switchyard}/actionlint-<version>; a warm run only finds it there.
# Prints the path of the binary with --print-path; otherwise lints the files given (default: every
# workflow) and exits with actionlint's code.
set -uo pipefail

ACTIONLINT_VERSION=v1.7.12
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${SWITCHYARD_CACHE:-$HOME/.cache/switchyard}
BIN=$CACHE/actionlint-$ACTIONLINT_VERSION/bin

if [ ! -x "$BIN/actionlint" ]; then
    command -v go >/dev/null 2>&1 || { echo "actionlint: go is not on PATH; it is needed once to build actionlint $ACTIONLINT_VERSION" >&2; exit 2; }
    mkdir -p "$BIN"
    echo "actionlint: building $ACTIONLINT_VERSION from its Go module (once)" >&2
    # Built into a temporary name, then renamed: an interrupted build never leaves a half binary.
    tmp=$(mktemp -d "$BIN/.build-XXXXXX")
    if ! GOBIN=$tmp GOFLAGS=-mod=mod go install "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION" >&2; then
        rm -rf "$tmp"
        echo "actionlint: go install github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION failed" >&2
        exit 2
    fi
    mv "$tmp/actionlint" "$BIN/actionlint" && rm -rf "$tmp"
fi

if [ "${1:-}" = "--print-path" ]; then
    echo "$BIN/actionlint"
    exit 0
fi
cd "$REPO" || exit 2
# shellcheck is not required: without it on PATH actionlint skips the run: scripts' shell checks.
if [ "$#" -eq 0 ]; then
    exec "$BIN/actionlint" -no-color
fi
exec "$BIN/actionlint" -no-color "$@"
