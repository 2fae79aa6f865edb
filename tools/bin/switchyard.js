#!/usr/bin/env node
// `switchyard` (package.json "bin"; `npx switchyard`, `node tools/bin/switchyard.js`): loads the
// TypeScript sources through tools/ts-hook.js, so a fresh clone needs no build step.
"use strict";
require("../ts-hook");
// A closed pipe (`switchyard drift | head`) ends the command quietly.
process.stdout.on("error", (e) => process.exit(e.code === "EPIPE" ? 0 : 2));
require("../sy.ts")
    .main(process.argv.slice(2))
    .then(
        (code) => process.exit(code),
        (e) => {
            process.stderr.write(`switchyard: ${e && e.stack ? e.stack : e}\n`);
            process.exit(2);
        },
    );
