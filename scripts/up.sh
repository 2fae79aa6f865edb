#!/usr/bin/env bash
# The main job: bring the local stack up on the local Docker engine, from a fresh clone.
#   scripts/up.sh            set up what is missing, select/create stack `local`, `pulumi up`
#   scripts/up.sh --stack S  another stack (same backend)
# A second run finds nothing to change and says so.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$SY_ROOT"
STACK=local
[ "${1:-}" = "--stack" ] && STACK=${2:?--stack needs a name}

bash scripts/setup.sh
sy_local_env
command -v pulumi >/dev/null || sy_die "pulumi is not on PATH after setup"

sy_log "stack $STACK: select (or create)"
pulumi stack select "$STACK" --create --non-interactive >/dev/null

sy_log "stack $STACK: checking for changes"
if pulumi preview --stack "$STACK" --expect-no-changes --non-interactive --suppress-progress >/tmp/switchyard-preview.log 2>&1; then
    sy_log "stack $STACK is up to date: nothing to change."
else
    if grep -q "error: no changes were expected but changes were proposed" /tmp/switchyard-preview.log; then
        sy_log "stack $STACK: changes to apply"
    else
        cat /tmp/switchyard-preview.log >&2
        sy_die "pulumi preview failed (output above)"
    fi
    pulumi up --stack "$STACK" --yes --non-interactive --suppress-progress --skip-preview
fi
sy_log "router: $(pulumi stack output routerUrl --stack "$STACK")   status: $(pulumi stack output routerStatusUrl --stack "$STACK")"
sy_log "active colour: $(pulumi stack output activeColor --stack "$STACK"), deployment: $(pulumi stack output deploymentId --stack "$STACK")"
