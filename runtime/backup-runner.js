#!/usr/bin/env node
/**
 * Entry point of the scheduled backup runner (runtime/backup/runner.ts), in the
 * switchyard/backup-runner container:  node runtime/backup-runner.js run|serve|install
 * (`install` reads the settings as JSON on stdin: runtime/backup-runner-install.sh sends them).
 */
"use strict";
require("../tools/ts-hook");

const { RUNNER, install, runOnce, serve } = require("./backup/runner.ts");
const opts = {
    configFile: process.env.SWITCHYARD_BACKUP_CONFIG_FILE || RUNNER.configFile,
    notifyFile: process.env.SWITCHYARD_BACKUP_NOTIFY_FILE || RUNNER.notifyFile,
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
} else if (command === "install") {
    const chunks = [];
    process.stdin.on("data", (c) => chunks.push(c));
    process.stdin.on("end", () => {
        install(Buffer.concat(chunks).toString("utf8"), { ...RUNNER, configFile: opts.configFile, notifyFile: opts.notifyFile }).then(
            (line) => process.stdout.write(line + "\n"),
            fail,
        );
    });
} else {
    process.stderr.write("usage: node runtime/backup-runner.js run|serve|install\n");
    process.exitCode = 2;
}
