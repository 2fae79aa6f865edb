# Shared by switchyard's scripts: step logging with elapsed time, and the local-stack environment.
# shellcheck shell=bash
SY_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SY_T0=${SY_T0:-$(date +%s.%N)}
export SY_T0
SY_CACHE=${SWITCHYARD_CACHE:-$HOME/.cache/switchyard}

sy_elapsed() { awk -v a="$SY_T0" -v b="$(date +%s.%N)" 'BEGIN { printf "%6.1fs", b - a }'; }
sy_log() { echo "[switchyard $(sy_elapsed)] $*"; }
sy_die() { echo "[switchyard $(sy_elapsed)] ERROR: $*" >&2; exit 1; }

# `[--stack NAME]` of up.sh and down.sh: sets STACK (default: the local stack).
sy_stack_arg() {
    STACK=local
    case "${1:-}" in
        "") ;;
        --stack) STACK=${2:?--stack needs a name} ;;
        *) sy_die "unknown argument '$1' (usage: $(basename "$0") [--stack NAME])" ;;
    esac
}

# The local stack: a file backend inside the working tree (git-ignored), a local-only passphrase,
# no update checks, no plugin downloads. Users with their own backend set PULUMI_BACKEND_URL.
# The docker provider prefers DOCKER_CONTEXT over the stack's docker.host, and a refresh runs before
# the program can object: refuse it here, before any pulumi command.
sy_check_env() {
    [ -z "${DOCKER_CONTEXT:-}" ] || sy_die "DOCKER_CONTEXT=\"$DOCKER_CONTEXT\" is set in the environment: the docker provider would use that context's daemon instead of switchyard:docker.host. Nothing was changed. Fix: unset DOCKER_CONTEXT (switchyard takes the daemon from switchyard:docker.host only)"
}

sy_local_env() {
    # shellcheck disable=SC1091
    [ -f "$SY_CACHE/toolchain/env.sh" ] && . "$SY_CACHE/toolchain/env.sh"
    mkdir -p "$SY_ROOT/.switchyard/state"
    # metadata=skip: the file backend otherwise rewrites a small `.attrs` file beside each
    # checkpoint in place, and the program's self StackReference (previous versions) can read it
    # half-written ("failed to load checkpoint: EOF").
    export PULUMI_BACKEND_URL=${PULUMI_BACKEND_URL:-file://$SY_ROOT/.switchyard/state?metadata=skip}
    # Documented local-only passphrase (config/environment.ts LOCAL_PASSPHRASE): it protects nothing
    # but the local stack's test secrets; the program and the CLI refuse it for any other stack.
    export PULUMI_CONFIG_PASSPHRASE=${PULUMI_CONFIG_PASSPHRASE-switchyard-local-only}
    export PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
    export PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK=true
}
