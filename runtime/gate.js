#!/usr/bin/env node
// switchyard health gate: run by the HealthGate component (a Pulumi local Command) before the
// router sends traffic to a colour. Polls every container of the colour directly (health
// endpoints, with retries), then runs the smoke endpoints; exits non-zero naming the check and the
// container that failed. Plain Node.js (no dependencies) so it runs wherever `pulumi` runs.
"use strict";

const { execFile } = require("child_process");
const http = require("http");

/**
 * @typedef {{ name: string, address: string, port: number }} Target
 * @typedef {{ color: string, version: string, targets: Target[], replicas?: number, trafficPermille?: number, healthPaths: string[],
 *   smokePaths: string[], retries: number, intervalSeconds: number, timeoutSeconds: number,
 *   probe: { kind: "docker-exec", container: string } | { kind: "direct" } }} GateSpec
 * @typedef {{ status: number } | { error: string }} ProbeResult
 */

/** @returns {Promise<ProbeResult>} */
function probeDirect(url, timeoutMs) {
    return new Promise((resolve) => {
        const req = http.get(url, { timeout: timeoutMs, agent: false }, (res) => {
            res.resume();
            res.on("end", () => resolve({ status: res.statusCode || 0 }));
        });
        req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
        req.on("error", (e) => resolve({ error: e.message }));
    });
}

/** Probes from inside a container on the app network (works for remote Docker hosts too). */
function probeDockerExec(container, url, timeoutMs) {
    const secs = String(Math.max(1, Math.ceil(timeoutMs / 1000)));
    return new Promise((resolve) => {
        execFile(
            "docker",
            ["exec", container, "curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", secs, url],
            { timeout: timeoutMs + 15000 },
            (err, stdout, stderr) => {
                const code = Number.parseInt(String(stdout).trim(), 10);
                if (Number.isInteger(code) && code > 0) {
                    resolve({ status: code });
                } else {
                    resolve({ error: (String(stderr).trim() || (err && err.message) || "no answer").split("\n")[0] });
                }
            },
        );
    });
}

/** @param {GateSpec} spec */
function makeProbe(spec) {
    const timeoutMs = Math.round(spec.timeoutSeconds * 1000);
    if (spec.probe.kind === "docker-exec") {
        const c = spec.probe.container;
        return (url) => probeDockerExec(c, url, timeoutMs);
    }
    return (url) => probeDirect(url, timeoutMs);
}

const isHealthy = (r) => "status" in r && r.status >= 200 && r.status < 300;
const isSmokeOk = (r) => "status" in r && r.status < 500;
const describe = (r) => ("status" in r ? `answered ${r.status}` : `failed (${r.error})`);

/**
 * Runs the gate. `probe(url)` and `sleep(ms)` are injected so tests can run it on real servers
 * without Docker.
 * @param {GateSpec} spec
 * @returns {Promise<{ ok: boolean, failures: string[], checks: object[] }>}
 */
async function runGate(spec, probe, sleep) {
    validateSpec(spec);
    const intervalMs = Math.round(spec.intervalSeconds * 1000);
    const checks = [];
    const failures = [];
    await Promise.all(
        spec.targets.map(async (t) => {
            const base = `http://${t.address}:${t.port}`;
            for (const path of spec.healthPaths) {
                let last;
                let attempt = 0;
                for (attempt = 1; attempt <= spec.retries; attempt++) {
                    last = await probe(`${base}${path}`);
                    if (isHealthy(last)) {
                        break;
                    }
                    if (attempt < spec.retries) {
                        await sleep(intervalMs);
                    }
                }
                const ok = isHealthy(last);
                checks.push({ container: t.name, kind: "health", path, ok, attempts: Math.min(attempt, spec.retries), result: last });
                if (!ok) {
                    failures.push(
                        `container ${t.name} (${t.address}:${t.port}): health check GET ${path} ${describe(last)} ` +
                            `on all ${spec.retries} attempts (every ${spec.intervalSeconds}s, timeout ${spec.timeoutSeconds}s)`,
                    );
                    return;
                }
            }
            for (const path of spec.smokePaths) {
                const r = await probe(`${base}${path}`);
                const ok = isSmokeOk(r);
                checks.push({ container: t.name, kind: "smoke", path, ok, attempts: 1, result: r });
                if (!ok) {
                    failures.push(`container ${t.name} (${t.address}:${t.port}): smoke test GET ${path} ${describe(r)} (must not be 5xx)`);
                }
            }
        }),
    );
    checks.sort((a, b) => (a.container + a.kind + a.path).localeCompare(b.container + b.kind + b.path));
    failures.sort();
    return { ok: failures.length === 0, failures, checks };
}

function validateSpec(spec) {
    const problems = [];
    if (!spec || typeof spec !== "object") {
        throw new Error("gate spec must be a JSON object");
    }
    // An idle colour scaled to 0 (app.idleReplicas) with no share has nothing to check.
    const stopped = spec.replicas === 0 && spec.trafficPermille === 0;
    if (!Array.isArray(spec.targets) || (spec.targets.length === 0 && !stopped)) problems.push("targets must list at least one container");
    else
        for (const t of spec.targets) {
            if (!t || !t.address) problems.push(`target ${t && t.name} has no address (is the container on the app network?)`);
        }
    if (!Array.isArray(spec.healthPaths) || spec.healthPaths.length === 0) problems.push("healthPaths must not be empty");
    if (!Array.isArray(spec.smokePaths)) problems.push("smokePaths must be a list");
    if (!(spec.retries >= 1)) problems.push("retries must be >= 1");
    if (!(spec.intervalSeconds >= 0)) problems.push("intervalSeconds must be >= 0");
    if (!(spec.timeoutSeconds > 0)) problems.push("timeoutSeconds must be > 0");
    if (problems.length) {
        throw new Error(`invalid gate spec: ${problems.join("; ")}`);
    }
}

async function main() {
    let spec;
    try {
        spec = JSON.parse(process.env.SY_GATE || "");
    } catch (e) {
        process.stderr.write(`switchyard gate: SY_GATE is not valid JSON (${e.message})\n`);
        process.exit(2);
    }
    const result = await runGate(spec, makeProbe(spec), (ms) => new Promise((r) => setTimeout(r, ms)));
    const summary = { color: spec.color, version: spec.version, ok: result.ok, checks: result.checks.length };
    if (!result.ok) {
        process.stderr.write(
            `switchyard health gate FAILED for ${spec.color} ${spec.version}: ` +
                `the router keeps its previous config.\n  - ${result.failures.join("\n  - ")}\n`,
        );
        process.stdout.write(`${JSON.stringify(summary)}\n`);
        process.exit(1);
    }
    process.stdout.write(`${JSON.stringify(summary)}\n`);
}

module.exports = { runGate, probeDirect, validateSpec };

if (require.main === module) {
    main().catch((e) => {
        process.stderr.write(`switchyard gate: ${e.message}\n`);
        process.exit(2);
    });
}
