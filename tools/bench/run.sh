#!/usr/bin/env bash
# `npm run bench`: the benchmarks on the local stack (bring it up first with scripts/up.sh).
# Arguments go to tools/bench/run.ts (--stack, --runs, --seconds, --only, --smoke).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"
cd "$SY_ROOT"
sy_check_env
sy_local_env
command -v pulumi >/dev/null || sy_die "pulumi is not on PATH: run scripts/up.sh first"
exec node tools/bench/bin.js "$@"
