#!/usr/bin/env bash
# Tears the local stack down (containers, network, router); the stack's history stays in
# .switchyard/state. `scripts/down.sh --stack S` for another stack.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$SY_ROOT"
sy_stack_arg "$@"
sy_local_env
pulumi destroy --stack "$STACK" --yes --non-interactive --suppress-progress
sy_log "stack $STACK destroyed"
