#!/usr/bin/env node
/**
 * Entry point of the scheduled backup runner (runtime/backup/runner.ts), in the
 * switchyard/backup-runner container:  node runtime/backup-runner.js run|serve
 */
"use strict";
require("../tools/ts-hook");

const { RUNNER, runOnce, serve } = require("./backup/runner.ts");
const opts = {
    configFile: process.env.SWITCHYARD_BACKUP_CONFIG_FILE || RUNNER.configFile,
    stateDir: process.env.SWITCHYARD_BACKUP_STATE_DIR || RUNNER.stateDir,
    env: process.env,
    now: () => new Date(),
    log: (line) => process.stderr.write(line + "\n"),
};
const command = process.argv[2];
const fail = (err) => {
    process.stderr.write(`[backup-runner] error: ${err && err.message ? err.message : String(err)}\n`);
    process.exitCode = 1;
};
if (command === "run") {
    runOnce(opts).then((code) => (process.exitCode = code), fail);
} else if (command === "serve") {
    serve({ ...opts, port: Number(process.env.SWITCHYARD_BACKUP_METRICS_PORT || RUNNER.port) }).catch(fail);
} else {
    process.stderr.write("usage: node runtime/backup-runner.js run|serve\n");
    process.exitCode = 2;
}
