#!/usr/bin/env node
/**
 * Entry point of the backup tool, runnable with plain `node` (no ts-node at runtime):
 *   node runtime/backup.js snapshot|restore|verify|list|prune ...
 * The tool is written in TypeScript (runtime/backup/*.ts) so that it shares
 * domain/backup/{manifest,retention}.ts with the Pulumi program and is type-checked
 * by `npm run build`. tools/ts-hook.js compiles each .ts file in memory at start-up.
 */
"use strict";
require("../tools/ts-hook");

const { main, processIo } = require("./backup/tool.ts");
main(process.argv.slice(2), processIo()).then(
    (code) => {
        process.exitCode = code;
    },
    (err) => {
        process.stderr.write(`error: ${err && err.message ? err.message : String(err)}\n`);
        process.exitCode = 1;
    },
);
