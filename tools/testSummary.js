#!/usr/bin/env node
// One line per jest tier and the closing line "tests: N passed, N failed[, N skipped]" over all
// tiers, from the JSON results scripts/test.sh asked jest for. Exits 1 when a suite could not run.
const fs = require("fs");
const path = require("path");

const dir = process.argv[2] ?? ".switchyard/results";
let passed = 0;
let failed = 0;
let skipped = 0;
// unit.json, then the engine shards (engine-1.json, engine-2.json, ...).
const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => /^(unit|engine(-\d+)?)\.json$/.test(f)) : [];
for (const name of files.sort((a, b) => (a === "unit.json" ? -1 : b === "unit.json" ? 1 : a.localeCompare(b)))) {
    const tier = name.slice(0, -".json".length);
    const file = path.join(dir, name);
    const r = JSON.parse(fs.readFileSync(file, "utf8"));
    passed += r.numPassedTests;
    failed += r.numFailedTests + r.numRuntimeErrorTestSuites;
    skipped += r.numPendingTests + r.numTodoTests;
    console.log(
        `${tier}: ${r.numPassedTests} passed, ${r.numFailedTests} failed in ${r.numTotalTestSuites} suites (${r.numRuntimeErrorTestSuites} could not run)`,
    );
}
console.log(`tests: ${passed} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : ""));
process.exit(failed > 0 ? 1 : 0);
