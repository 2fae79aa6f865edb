#!/usr/bin/env bash
# The main job: bring the local stack up on the local Docker engine, from a fresh clone.
#   scripts/up.sh            set up what is missing, `switchyard up --create` of stack `local`, select it
#   scripts/up.sh --stack S  another stack (same backend)
# Runs the policy pack (`--policy-pack policies`) with the stack's enforcement levels.
# A second run finds nothing to change and says so.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$SY_ROOT"
sy_stack_arg "$@"

sy_check_env
bash scripts/setup.sh
sy_local_env
command -v pulumi >/dev/null || sy_die "pulumi is not on PATH after setup"

# The update itself is `switchyard up` (tools/commands/up.ts, on the Automation API): it reads
# the host first (--refresh is its default, so a container that died or was removed is healed too),
# runs the policy pack (policies/, README "Policies") with the levels of policies/config/<stack>.json
# (advisory on local and staging: reported, never blocking; mandatory on production: a violation
# stops the update before anything changes), prints each violation and the engine's summary
# ("up to date: nothing changed" on a second run), then the router's addresses.
# --create: a stack that does not exist yet is created, unless the environment would give it
# the documented local passphrase (local only: README "Secrets and passphrases").
sy_log "stack $STACK: switchyard up --create --policy-pack policies"
node tools/bin/switchyard.js up --stack "$STACK" --create --policy-pack policies || sy_die "switchyard up failed (output above)"
# The stack is the selected one afterwards, for plain `pulumi` commands in this shell.
pulumi stack select "$STACK" --non-interactive >/dev/null
