#!/usr/bin/env bash
# All of switchyard's tests, from a fresh clone: `npm test` runs this.
#   1. setup (scripts/setup.sh: packages, Docker engine, npm ci, Pulumi toolchain, local images)
#   2. unit tier: pure functions, Pulumi mocks, policies, and real nginx/promtool/PostgreSQL/S3 servers
#   3. engine tier: the real Pulumi CLI against the local Docker engine (serial)
#   4. go tier: `go test` of the toolchain's own language host and providers
# Ends with one line "tests: N passed, N failed[, N skipped]" over all tiers; exits non-zero on any
# failure. SWITCHYARD_TEST_TIERS="unit go" (any of unit, engine, go) runs those tiers.
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$SY_ROOT"

# The engine tests release these demo-app versions (one build, several semver tags).
export SWITCHYARD_APP_VERSIONS=${SWITCHYARD_APP_VERSIONS:-1.0.0 1.1.0 1.2.0 1.2.1 1.3.0}
bash scripts/setup.sh || sy_die "setup failed: no test ran"
# Test-only: an S3-compatible server for the snapshot upload tests.
if ! command -v moto_server >/dev/null 2>&1; then
    sy_log "tests: installing moto (S3-compatible test server) from PyPI"
    python3 -m pip install --quiet 'moto[server]==5.2.1' || sy_die "could not install moto[server] from PyPI"
fi
sy_local_env
mkdir -p .switchyard/results
rm -f .switchyard/results/*.json .switchyard/results/*.jsonl

TIERS=${SWITCHYARD_TEST_TIERS:-unit engine go}
status=0
for tier in $TIERS; do
    sy_log "tests: $tier tier"
    if [ "$tier" = go ]; then
        # The toolchain's own modules: the nodejs language host and the providers.
        for mod in language-nodejs providers; do
            (cd "toolchain/$mod" && GOFLAGS=-mod=mod go test -json -p 1 ./... > "$SY_ROOT/.switchyard/results/go-$mod.jsonl") || status=1
        done
        continue
    fi
    args=(--selectProjects "$tier" --json --outputFile ".switchyard/results/$tier.json")
    [ "$tier" = engine ] && args+=(--runInBand)
    [ "$tier" = unit ] && args+=(--maxWorkers 2)
    npx jest "${args[@]}" || status=1
    [ -s ".switchyard/results/$tier.json" ] || { sy_log "tests: $tier tier produced no results"; status=1; }
done

node -e '
const fs = require("fs");
let p = 0, f = 0, s = 0, suitesFailed = 0;
for (const file of fs.readdirSync(".switchyard/results").filter((f) => f === "unit.json" || f === "engine.json")) {
    const r = JSON.parse(fs.readFileSync(".switchyard/results/" + file, "utf8"));
    p += r.numPassedTests; f += r.numFailedTests; s += r.numPendingTests + r.numTodoTests;
    suitesFailed += r.numRuntimeErrorTestSuites;
    console.log(`${file.replace(".json", "")}: ${r.numPassedTests} passed, ${r.numFailedTests} failed in ${r.numTotalTestSuites} suites (${r.numRuntimeErrorTestSuites} could not run)`);
}
for (const file of fs.readdirSync(".switchyard/results").filter((f) => /^go-.*\.jsonl$/.test(f))) {
    let gp = 0, gf = 0, gs = 0;
    for (const line of fs.readFileSync(".switchyard/results/" + file, "utf8").split("\n")) {
        if (!line.startsWith("{")) continue;
        const e = JSON.parse(line);
        if (!e.Test) { if (e.Action === "fail") gf++; continue; }
        if (e.Action === "pass") gp++; else if (e.Action === "fail") gf++; else if (e.Action === "skip") gs++;
    }
    console.log(`${file.replace(".jsonl", "")}: ${gp} passed, ${gf} failed, ${gs} skipped`);
    p += gp; f += gf; s += gs;
}
console.log(`tests: ${p} passed, ${f + suitesFailed} failed` + (s ? `, ${s} skipped` : ""));
'
sy_log "tests: done (exit $status)"
exit $status
