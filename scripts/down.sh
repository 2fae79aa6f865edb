#!/usr/bin/env bash
# Tears the local stack down (containers, network, router) with `switchyard down`; the stack's
# history stays in .switchyard/state. `scripts/down.sh --stack S` for another stack.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$SY_ROOT"
sy_stack_arg "$@"
sy_check_env
sy_local_env
node tools/bin/switchyard.js down --stack "$STACK"
