#!/usr/bin/env node
// switchyard release ledger: run by the ReleaseLedger component (a Pulumi local Command). Prints
// one colour's version before and after its latest release and the project commit then, as JSON.
// A pure function of PULUMI_COMMAND_STDOUT (the previous entry) and SWITCHYARD_LEDGER_VERSION; the
// commit comes from `git rev-parse HEAD` in the working directory (the project directory).
"use strict";

const { execFileSync } = require("child_process");

const version = process.env.SWITCHYARD_LEDGER_VERSION;
if (!version) {
    process.stderr.write("switchyard: release ledger: SWITCHYARD_LEDGER_VERSION is not set\n");
    process.exit(2);
}
let prev = null;
try {
    prev = JSON.parse(process.env.PULUMI_COMMAND_STDOUT || "null");
} catch {
    prev = null;
}
// Same version as the recorded entry: reprint it byte for byte, so nothing downstream changes.
if (prev && prev.after === version) {
    process.stdout.write(JSON.stringify(prev));
    process.exit(0);
}
let commit = null;
try {
    commit =
        execFileSync("git", ["rev-parse", "HEAD"], { stdio: ["ignore", "pipe", "ignore"] })
            .toString()
            .trim() || null;
} catch {
    commit = null;
}
process.stdout.write(JSON.stringify({ before: prev && typeof prev.after === "string" ? prev.after : null, after: version, commit }));
