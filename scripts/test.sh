#!/usr/bin/env bash
# All of switchyard's tests, from a fresh clone: `npm test` runs this.
#   1. setup (scripts/setup.sh: packages, Docker engine, npm ci, Pulumi toolchain, local images)
#   2. engine tier: the real Pulumi CLI and the official plugins against the local Docker engine, in two
#      shards side by side (each file has its own stack, ports and containers; the files sharing the
#      default stack `e2e` are in one shard; within a shard, files run one at a time)
#   3. beside them: the build (prettier, eslint, tsc), then the unit tier: pure functions, Pulumi mocks,
#      policies, and real nginx/promtool/PostgreSQL/S3 servers
# Ends with one line "tests: N passed, N failed[, N skipped]" over all tiers; exits non-zero on any
# failure. SWITCHYARD_TEST_TIERS="unit" (any of unit, engine) runs those tiers.
# Afterwards the machine runs nothing the tests started: each engine test file removes its stack,
# a last sweep removes containers its own e2e stacks left after a crash, and a Docker engine that set-up had to
# start is stopped again.
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$SY_ROOT"

# The engine tests release these demo-app versions (one build, several semver tags).
export SWITCHYARD_APP_VERSIONS=${SWITCHYARD_APP_VERSIONS:-1.0.0 1.1.0 1.2.0 1.2.1 1.3.0}
docker_was_up=0
docker info >/dev/null 2>&1 && docker_was_up=1
cleanup() {
    # Only the stacks this run's engine tests use (another run's stacks are not ours to remove).
    if [[ " ${TIERS:-} " == *" engine "* ]]; then
        # Plugins orphaned by a CLI a test killed (pulumi starts each in a process group of its own).
        ps -eo pid=,ppid=,args= | awk '$2 == 1 && $3 ~ /\/pulumi-(resource|language|analyzer)-/ {print $1}' | xargs -r kill -9 2>/dev/null
        local stack ids
        for stack in "${SWITCHYARD_E2E_STACK:-e2e}" "${SWITCHYARD_E2E_MON_STACK:-e2e-mon}" e2e-backup e2e-policy e2e-bench "${SWITCHYARD_E2E_SEC_STACK:-e2e-sec}" "${SWITCHYARD_E2E_OPS_STACK:-e2e-ops}" "${SWITCHYARD_E2E_SCHED_STACK:-e2e-sched}" "${SWITCHYARD_E2E_LIVE_STACK:-e2e-live}" "${SWITCHYARD_E2E_REL_STACK:-e2e-rel}" "${SWITCHYARD_E2E_FAULT_STACK:-e2e-fault}" "${SWITCHYARD_E2E_MULTI_STACK:-e2e-multi}" "${SWITCHYARD_E2E_SCALE_STACK:-e2e-scale}" "${SWITCHYARD_E2E_EMBED_STACK:-e2e-embed}" "${SWITCHYARD_E2E_DFAULT_STACK:-e2e-dfault}"; do
            ids=$(docker ps -aq --filter "label=switchyard.stack=$stack" 2>/dev/null)
            [ -z "$ids" ] || { sy_log "tests: removing containers stack $stack left behind"; echo "$ids" | xargs -r docker rm -f >/dev/null; }
        done
        # The multi-host tests' front balancer, then their Docker hosts (their stacks' containers live inside them).
        bash examples/front-balancer/run.sh --down "${SWITCHYARD_E2E_MULTI_STACK:-e2e-multi}-front" >/dev/null 2>&1 || true
        bash scripts/test-hosts.sh down "${SWITCHYARD_E2E_MULTI_STACK:-e2e-multi}" >/dev/null 2>&1 || true
        bash scripts/test-hosts.sh down "${SWITCHYARD_E2E_DFAULT_STACK:-e2e-dfault}" >/dev/null 2>&1 || true
    fi
    if [ "$docker_was_up" = 0 ] && [ -f /tmp/switchyard-dockerd.pid ]; then
        sy_log "tests: stopping the Docker engine set-up started"
        kill "$(cat /tmp/switchyard-dockerd.pid)" 2>/dev/null && rm -f /tmp/switchyard-dockerd.pid
    fi
}
trap cleanup EXIT
bash scripts/setup.sh || sy_die "setup failed: no test ran"
# Test-only: an S3-compatible server for the snapshot upload tests.
if ! command -v moto_server >/dev/null 2>&1; then
    sy_log "tests: installing moto (S3-compatible test server) from PyPI"
    python3 -m pip install --quiet 'moto[server]==5.2.1' || sy_die "could not install moto[server] from PyPI"
fi
# The engine tests' throwaway stacks (e2e*) have a passphrase of their own: the local one is for
# the stack `local` only (test/engine/harness.ts sets the same).
export PULUMI_CONFIG_PASSPHRASE=switchyard-e2e-only
sy_local_env
mkdir -p .switchyard/results
rm -f .switchyard/results/*.json .switchyard/results/*.jsonl

TIERS=${SWITCHYARD_TEST_TIERS:-unit engine}
status=0
# Engine shards, balanced by wall time: shard 1 holds the files on the default stack `e2e` and those
# listed, shard 2 every other engine file (a new file lands there unless listed). Two, not more: on
# two cores a third shard made every file 2-3 times slower (CPU-bound: Pulumi programs, nginx, load).
ENGINE_SHARD_1='/test/engine/(release|operations|officialPlugins|upgrade|backup|policies|bench|liveColour|embedded|scaleDown)\.test\.ts$'
engine_shard() {
    local n=$1
    shift
    npx jest --selectProjects engine --runInBand --json --outputFile ".switchyard/results/engine-$n.json" "$@" 2>&1 |
        sed -u "s/^/[engine-$n] /"
    return "${PIPESTATUS[0]}"
}
# The engine shards mostly wait on containers and gates: the build and the unit tier run beside them.
shards=()
if [[ " $TIERS " == *" engine "* ]]; then
    sy_log "tests: engine tier (two shards, in the background)"
    engine_shard 1 --testPathPattern "$ENGINE_SHARD_1" &
    shards+=($!)
    engine_shard 2 --testPathIgnorePatterns "$ENGINE_SHARD_1" /node_modules/ &
    shards+=($!)
fi
sy_log "tests: npm run build (prettier, eslint, tsc)"
npm run --silent build || { sy_log "tests: the build failed (above)"; status=1; }
if [[ " $TIERS " == *" unit "* ]]; then
    sy_log "tests: unit tier"
    npx jest --selectProjects unit --json --outputFile .switchyard/results/unit.json --maxWorkers 2 || status=1
    [ -s .switchyard/results/unit.json ] || { sy_log "tests: unit tier produced no results"; status=1; }
fi
for pid in "${shards[@]}"; do
    wait "$pid" || status=1
done
if [ ${#shards[@]} -gt 0 ]; then
    for n in 1 2; do
        [ -s ".switchyard/results/engine-$n.json" ] || { sy_log "tests: engine shard $n produced no results"; status=1; }
    done
fi

node tools/testSummary.js .switchyard/results || status=1
sy_log "tests: done (exit $status)"
exit $status
