#!/usr/bin/env bash
# The main job: bring the local stack up on the local Docker engine, from a fresh clone.
#   scripts/up.sh            set up what is missing, select/create stack `local`, `pulumi up`
#   scripts/up.sh --stack S  another stack (same backend)
# Runs the policy pack (`--policy-pack policies`) with the stack's enforcement levels.
# A second run finds nothing to change and says so.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$SY_ROOT"
STACK=local
[ "${1:-}" = "--stack" ] && STACK=${2:?--stack needs a name}

sy_check_env
bash scripts/setup.sh
sy_local_env
command -v pulumi >/dev/null || sy_die "pulumi is not on PATH after setup"

sy_log "stack $STACK: select (or create)"
pulumi stack select "$STACK" --create --non-interactive >/dev/null

# The policy pack (policies/, README "Policies") runs on the preview and on the final state. Its
# levels come from policies/config/<stack>.json: advisory on local and staging (reported, never
# blocking), mandatory on production (a violation stops the update before anything changes).
# --refresh: read the host first, so a container that died or was removed is healed too.
sy_log "stack $STACK: pulumi up --refresh --policy-pack policies"
log=$(mktemp)
if ! pulumi up --stack "$STACK" --refresh --yes --non-interactive --suppress-progress --policy-pack policies 2>&1 | tee "$log"; then
    sy_die "pulumi up failed (output above)"
fi
if grep -q '^    ⚠️ switchyard@' "$log"; then
    sy_log "stack $STACK: policy warnings above (advisory on this stack: they did not block the update)"
fi
# The update's summary (the last "Resources:" block) lists only "N unchanged" when there was nothing to do.
if awk '/^Resources:/{block=""; f=1; next} f&&!NF{f=0} f{block=block $0 "\n"} END{printf "%s", block}' "$log" |
    grep -qvE '^[[:space:]]*[0-9]+ unchanged$'; then
    sy_log "stack $STACK: changes applied"
else
    sy_log "stack $STACK is up to date: nothing changed."
fi
rm -f "$log"
sy_log "router: $(pulumi stack output routerUrl --stack "$STACK")   status: $(pulumi stack output routerStatusUrl --stack "$STACK")"
sy_log "active colour: $(pulumi stack output activeColor --stack "$STACK"), deployment: $(pulumi stack output deploymentId --stack "$STACK")"
