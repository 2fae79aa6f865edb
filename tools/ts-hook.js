// Lets plain `node` load switchyard's TypeScript tools (tools/, runtime/backup) so they share
// the program's pure modules: each .ts file is transpiled in memory with the `typescript`
// package's transpileModule (syntax only; `npm run build` type-checks). No ts-node needed.
"use strict";
const fs = require("fs");

if (!require.extensions[".ts"]) {
    const ts = require("typescript");
    require.extensions[".ts"] = function compileTs(module, filename) {
        const out = ts.transpileModule(fs.readFileSync(filename, "utf8"), {
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
