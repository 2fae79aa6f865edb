#!/usr/bin/env node
// switchyard's operator commands (run from the project directory, with the stack's Pulumi env):
//   node scripts/sy.js drift [--stack S]     drift check: refresh preview + live router/container checks
//   node scripts/sy.js recover [--stack S]   recovery after an interrupted `pulumi up`
"use strict";
require("./runtime/ts-hook");
const [command, ...args] = process.argv.slice(2);
// Every command runs pulumi with a refresh, which would follow a stray DOCKER_CONTEXT.
const envProblems = require("../config/environment").checkEnvironment(process.env);
if (envProblems.length > 0) {
    process.stderr.write(`switchyard ${command}: ${envProblems.join("\n")}\n`);
    process.exit(2);
}
const commands = { drift: "./cli/drift.ts", recover: "./cli/recover.ts" };
if (!commands[command]) {
    process.stderr.write(`usage: node scripts/sy.js <${Object.keys(commands).join("|")}> [--stack NAME]\n`);
    process.exit(2);
}
require(commands[command])
    .main(args)
    .then(
        (code) => process.exit(code),
        (e) => {
            process.stderr.write(`switchyard ${command}: ${e && e.message ? e.message : e}\n`);
            process.exit(2);
        },
    );
