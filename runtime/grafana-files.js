// Writes the Grafana provisioning files (SY_FILES_B64: base64 of a JSON map relative path -> content)
// under SY_DIR, each by atomic rename; `delete` removes the files named in SY_FILE_NAMES.
"use strict";
const fs = require("fs");
const path = require("path");

const dir = process.env.SY_DIR;
if (process.argv[2] === "delete") {
    for (const rel of (process.env.SY_FILE_NAMES || "").split(" ").filter(Boolean)) {
        fs.rmSync(path.join(dir, rel), { force: true });
    }
} else {
    const files = JSON.parse(Buffer.from(process.env.SY_FILES_B64, "base64").toString("utf8"));
    for (const [rel, text] of Object.entries(files)) {
        const f = path.join(dir, rel);
        fs.mkdirSync(path.dirname(f), { recursive: true });
        fs.writeFileSync(`${f}.new`, text);
        fs.renameSync(`${f}.new`, f);
    }
}
