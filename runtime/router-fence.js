#!/usr/bin/env node
// switchyard route fence: run by the RouteFence component (a Pulumi local Command) before the
// containers of an idle colour change. It takes that colour out of routing in the router's config
// in force: every request (weighted, header- or cookie-forced) goes to the active colour's pool.
// The routing apply that follows the colour's health gate lifts it; after a failed gate it stays,
// so forced requests never reach containers whose gate failed. The colour that is active in the
// config in force is never fenced. Plain Node.js (no dependencies).
//   node runtime/router-fence.js create   prints what it would guard, changes nothing
//   node runtime/router-fence.js fence    fences SY_COLOR
// Env: DOCKER_HOST, SY_CONTAINER (router), SY_INNER_CONFIG, SY_APPLY_BIN, SY_COLOR.
"use strict";

const { execFileSync } = require("child_process");
const crypto = require("crypto");

const SHA_IN_STATUS = /"configSha256":"[0-9a-f]{64}"/;
const PLACEHOLDER = "@@CONFIG_SHA256@@";

/** The router config with every request sent to the active colour's pool; undefined if nothing routes to a pool. */
function fenceConfig(text, color) {
    const active = /^# stack=\S+ active=(blue|green) /m.exec(text);
    if (!active || active[1] === color || !SHA_IN_STATUS.test(text) || !text.includes("proxy_pass http://$sy_pool;")) {
        return undefined;
    }
    const fenced = text
        .replace("proxy_pass http://$sy_pool;", `proxy_pass http://sy_${active[1]};`)
        .replace(/^(# stack=.*)$/m, `$1\n# fenced: ${color} gets no request until its gate passes`)
        .replace(SHA_IN_STATUS, `"configSha256":"${PLACEHOLDER}"`);
    const sha = crypto.createHash("sha256").update(fenced, "utf8").digest("hex");
    return { text: fenced.replace(PLACEHOLDER, sha), sha };
}

function main() {
    const color = process.env.SY_COLOR;
    if (process.argv[2] !== "fence") {
        process.stdout.write(`switchyard-fence ${color}: not fenced (first run)\n`);
        return;
    }
    const container = process.env.SY_CONTAINER;
    const current = execFileSync("docker", ["exec", container, "cat", process.env.SY_INNER_CONFIG], { encoding: "utf8" });
    const fenced = fenceConfig(current, color);
    if (!fenced) {
        process.stdout.write(`switchyard-fence ${color}: not fenced (active, or no traffic to route) ${Date.now()}\n`);
        return;
    }
    execFileSync("docker", ["exec", "-i", container, process.env.SY_APPLY_BIN, "-", fenced.sha], {
        input: fenced.text,
        stdio: ["pipe", "ignore", "inherit"],
    });
    // The time makes every fence a new output, so the routing apply after the gate always runs.
    process.stdout.write(`switchyard-fence ${color}: fenced ${fenced.sha} ${Date.now()}\n`);
}

if (require.main === module) {
    main();
}
module.exports = { fenceConfig };
