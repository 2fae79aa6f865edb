#!/usr/bin/env node
/**
 * Entry point of the backup tool, runnable with plain `node` (no ts-node at runtime):
 *   node scripts/backup/switchyard-backup.js snapshot|restore|verify|list|prune ...
 * The tool is written in TypeScript (scripts/backup/*.ts) so that it shares
 * components/backup/{manifest,retention}.ts with the Pulumi program and is type-checked
 * by `npm run build`. Here each .ts file is compiled in memory with the `typescript`
 * package's transpileModule (syntax only: no type-check, no emit on disk), which costs
 * well under a second at start-up.
 */
"use strict";
const fs = require("fs");

if (!require.extensions[".ts"]) {
  const ts = require("typescript");
  require.extensions[".ts"] = function compileTs(module, filename) {
    const source = fs.readFileSync(filename, "utf8");
    const out = ts.transpileModule(source, {
      fileName: filename,
      compilerOptions: {
        module: ts.ModuleKind.CommonJS,
        target: ts.ScriptTarget.ES2022,
        esModuleInterop: true,
        inlineSourceMap: true,
      },
    });
    module._compile(out.outputText, filename);
  };
}

const { main, processIo } = require("./tool.ts");
main(process.argv.slice(2), processIo()).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`error: ${err && err.message ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
