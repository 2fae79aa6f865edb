#!/usr/bin/env node
// `npm run bench` (tools/bench/run.sh sets up the toolchain's environment first).
"use strict";
require("../ts-hook");
require("./run.ts")
    .main(process.argv.slice(2))
    .then(
        (code) => process.exit(code),
        (e) => {
            process.stderr.write(`bench: ${e && e.stack ? e.stack : e}\n`);
            process.exit(1);
        },
    );
