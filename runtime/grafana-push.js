#!/usr/bin/env node
// switchyard Grafana push: run by MonitoringStack (a Pulumi local Command) when
// monitoring.grafana.push is configured. Creates or updates the Prometheus data source (by uid) and
// the release dashboard in an existing Grafana through its HTTP API:
//   GET  /api/datasources/uid/:uid  -> 200: PUT /api/datasources/uid/:uid | 404: POST /api/datasources
//   POST /api/dashboards/db          {dashboard, folderUid, overwrite, message}
// Everything comes from the environment (the token never from argv, and it is never printed):
//   SY_GRAFANA_URL          Grafana's base URL (a sub-path is kept)
//   SY_GRAFANA_TOKEN        API token, sent as `Authorization: Bearer <token>`
//   SY_DASHBOARD_B64        the dashboard JSON (components/observability/dashboard.ts), base64
//   SY_DASHBOARD_SHA256     sha256 of that JSON text (checked before anything is sent)
//   SY_DATASOURCE_B64       the data source body, base64 JSON (must carry a uid)
//   SY_FOLDER_UID           optional folder uid; SY_OVERWRITE "true"|"false"; SY_MESSAGE version message
//   SY_GRAFANA_ATTEMPTS (4), SY_GRAFANA_RETRY_MS (1000, doubled each time), SY_GRAFANA_TIMEOUT_MS (15000)
// Retries on connection errors, timeouts, 429 and 5xx; any other non-2xx fails at once with the
// method, path, status and Grafana's message. Prints one JSON summary line on success.
// Plain Node.js (no dependencies) so it runs wherever `pulumi` runs.
"use strict";

const crypto = require("crypto");
const http = require("http");
const https = require("https");

const HINTS = {
    401: "Grafana refused the token: check switchyard:grafanaToken (a service account token that has not expired or been revoked)",
    403: "the token lacks a permission: the service account needs dashboards:create/write on the folder and datasources:create/write (the Editor role has them; data sources may need Admin)",
    404: "not found: check monitoring.grafana.push.url (Grafana's base URL, including any sub-path) and folderUid (the folder must exist)",
};
const HINTS_412 = {
    "version-mismatch":
        "a dashboard with this uid already exists in Grafana and monitoring.grafana.push.overwrite is false, so Grafana keeps it (edits made there are protected); export what you want to keep, then set overwrite: true to replace it",
    "name-exists":
        "another dashboard with the same title exists in that folder; rename or move it, or set monitoring.grafana.push.overwrite: true",
    "plugin-dashboard": "that uid belongs to a plugin's dashboard; it cannot be replaced through this API",
};

class PushError extends Error {}

/** Removes the token from any text that could be printed. */
function scrub(text, token) {
    const s = String(text);
    return token ? s.split(token).join("***") : s;
}

/** One HTTP exchange. Resolves {status, body, text} or {error}. */
function exchange(method, url, token, body, timeoutMs) {
    return new Promise((resolve) => {
        const u = new URL(url);
        const lib = u.protocol === "https:" ? https : http;
        const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body), "utf8");
        const headers = { Accept: "application/json", Authorization: `Bearer ${token}` };
        if (payload) {
            headers["Content-Type"] = "application/json";
            headers["Content-Length"] = String(payload.length);
        }
        const req = lib.request(u, { method, headers, timeout: timeoutMs, agent: false }, (res) => {
            const chunks = [];
            res.on("data", (c) => chunks.push(c));
            res.on("end", () => {
                const text = Buffer.concat(chunks).toString("utf8");
                let parsed;
                try {
                    parsed = text ? JSON.parse(text) : undefined;
                } catch {
                    parsed = undefined;
                }
                resolve({ status: res.statusCode || 0, body: parsed, text });
            });
            res.on("error", (e) => resolve({ error: e.message }));
        });
        req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
        req.on("error", (e) => resolve({ error: e.code ? `${e.code} ${e.message}` : e.message }));
        if (payload) req.write(payload);
        req.end();
    });
}

const retryable = (r) => "error" in r || r.status === 429 || r.status >= 500;

/**
 * A Grafana API client over the base URL. `sleep(ms)` is injected so tests need not wait.
 * @param {{ baseUrl: string, token: string, attempts: number, retryMs: number, timeoutMs: number,
 *   sleep: (ms: number) => Promise<void>, log: (line: string) => void }} o
 */
function client(o) {
    const base = o.baseUrl.replace(/\/+$/, "");
    const basePath = new URL(base).pathname.replace(/\/+$/, "");
    /** @returns {Promise<{status: number, body: any}>} any status below 500 except 429 */
    async function call(method, path, body) {
        let last;
        for (let attempt = 1; attempt <= o.attempts; attempt++) {
            last = await exchange(method, base + path, o.token, body, o.timeoutMs);
            if (!retryable(last)) {
                return last;
            }
            if (attempt < o.attempts) {
                const wait = o.retryMs * 2 ** (attempt - 1);
                o.log(
                    `switchyard grafana push: ${method} ${basePath}${path} ${describe(last, o.token)}; retry ${attempt}/${o.attempts - 1} in ${wait} ms`,
                );
                await o.sleep(wait);
            }
        }
        throw new PushError(`${method} ${basePath}${path} ${describe(last, o.token)} on all ${o.attempts} attempts (${base})`);
    }
    /** Fails unless the status is 2xx (or one of `ok`), naming method, path, status and Grafana's message. */
    async function expect(method, path, body, ok = []) {
        const r = await call(method, path, body);
        if ((r.status >= 200 && r.status < 300) || ok.includes(r.status)) {
            return r;
        }
        const status = r.body && typeof r.body.status === "string" ? r.body.status : "";
        const hint = r.status === 412 ? HINTS_412[status] : HINTS[r.status];
        throw new PushError(`${method} ${basePath}${path} ${describe(r, o.token)}${hint ? `: ${hint}` : ""}`);
    }
    return { expect, basePath, base };
}

function describe(r, token) {
    if ("error" in r) {
        return `failed (${scrub(r.error, token)})`;
    }
    const b = r.body;
    const message = b && typeof b.message === "string" ? b.message : (r.text || "").trim().slice(0, 200);
    const status = b && typeof b.status === "string" ? ` [${b.status}]` : "";
    return `answered HTTP ${r.status}${status}${message ? ` "${scrub(message, token)}"` : ""}`;
}

/**
 * Pushes the data source then the dashboard (which references the data source by uid).
 * @param {{ dashboardJson: string, dashboardSha256: string, datasource: object, folderUid?: string,
 *   overwrite: boolean, message: string }} spec
 * @param {Parameters<typeof client>[0]} opts
 */
async function pushToGrafana(spec, opts) {
    const sha = crypto.createHash("sha256").update(spec.dashboardJson, "utf8").digest("hex");
    if (sha !== spec.dashboardSha256) {
        throw new PushError(`the dashboard JSON does not match SY_DASHBOARD_SHA256 (${sha} != ${spec.dashboardSha256}); nothing was sent`);
    }
    let dashboard;
    try {
        dashboard = JSON.parse(spec.dashboardJson);
    } catch (e) {
        throw new PushError(`the dashboard is not valid JSON (${e.message}); nothing was sent`);
    }
    const ds = spec.datasource;
    if (!dashboard || typeof dashboard.uid !== "string" || !dashboard.uid)
        throw new PushError("the dashboard has no uid; nothing was sent");
    if (!ds || typeof ds.uid !== "string" || !/^[A-Za-z0-9_-]{1,40}$/.test(ds.uid))
        throw new PushError("the data source has no valid uid; nothing was sent");

    const g = client(opts);
    const dsPath = `/api/datasources/uid/${encodeURIComponent(ds.uid)}`;
    const existing = await g.expect("GET", dsPath, undefined, [404]);
    let dsAction;
    if (existing.status === 404) {
        await g.expect("POST", "/api/datasources", ds);
        dsAction = "created";
    } else {
        if (existing.body && existing.body.readOnly === true) {
            throw new PushError(
                `GET ${g.basePath}${dsPath}: the data source ${ds.uid} is provisioned from files in that Grafana (read-only); ` +
                    "the API cannot update it. Remove it from that Grafana's provisioning, or drop monitoring.grafana.push and use the provisioning files",
            );
        }
        const id = existing.body && typeof existing.body.id === "number" ? { id: existing.body.id } : {};
        await g.expect("PUT", dsPath, { ...ds, ...id });
        dsAction = "updated";
    }

    const body = { dashboard: { ...dashboard, id: null }, overwrite: spec.overwrite, message: spec.message };
    if (spec.folderUid) body.folderUid = spec.folderUid;
    const r = await g.expect("POST", "/api/dashboards/db", body);
    const b = r.body || {};
    if (typeof b.uid !== "string" || typeof b.version !== "number") {
        throw new PushError(
            `POST ${g.basePath}/api/dashboards/db answered HTTP ${r.status} without the uid and version Grafana returns: ${(r.text || "").slice(0, 200)}`,
        );
    }
    let url = typeof b.url === "string" ? b.url : "";
    // Grafana's url is root-relative and already includes a sub-path (root_url); make it absolute.
    if (url.startsWith("/")) url = new URL(g.base).origin + url;
    return {
        dashboard: { uid: b.uid, version: b.version, url, status: b.status },
        datasource: { uid: ds.uid, action: dsAction },
        sha256: sha,
    };
}

function intEnv(env, name, dflt, min) {
    const v = env[name];
    if (v === undefined || v === "") return dflt;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new PushError(`${name} must be an integer >= ${min} (got ${JSON.stringify(v)})`);
    return n;
}

/** Reads the spec from the environment (see the header). */
function specFromEnv(env) {
    const missing = ["SY_GRAFANA_URL", "SY_GRAFANA_TOKEN", "SY_DASHBOARD_B64", "SY_DASHBOARD_SHA256", "SY_DATASOURCE_B64"].filter(
        (k) => !env[k],
    );
    if (missing.length) throw new PushError(`missing environment: ${missing.join(", ")}`);
    if (!/^https?:\/\/[^\s/]+/.test(env.SY_GRAFANA_URL))
        throw new PushError(`SY_GRAFANA_URL must be an http(s) URL (got ${JSON.stringify(env.SY_GRAFANA_URL)})`);
    if (!["true", "false", undefined, ""].includes(env.SY_OVERWRITE))
        throw new PushError(`SY_OVERWRITE must be true or false (got ${JSON.stringify(env.SY_OVERWRITE)})`);
    let datasource;
    try {
        datasource = JSON.parse(Buffer.from(env.SY_DATASOURCE_B64, "base64").toString("utf8"));
    } catch (e) {
        throw new PushError(`SY_DATASOURCE_B64 is not base64 JSON (${e.message})`);
    }
    return {
        spec: {
            dashboardJson: Buffer.from(env.SY_DASHBOARD_B64, "base64").toString("utf8"),
            dashboardSha256: env.SY_DASHBOARD_SHA256,
            datasource,
            folderUid: env.SY_FOLDER_UID || undefined,
            overwrite: env.SY_OVERWRITE !== "false",
            message: env.SY_MESSAGE || "switchyard",
        },
        opts: {
            baseUrl: env.SY_GRAFANA_URL,
            token: env.SY_GRAFANA_TOKEN,
            attempts: intEnv(env, "SY_GRAFANA_ATTEMPTS", 4, 1),
            retryMs: intEnv(env, "SY_GRAFANA_RETRY_MS", 1000, 0),
            timeoutMs: intEnv(env, "SY_GRAFANA_TIMEOUT_MS", 15000, 1),
            sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
            log: (line) => process.stderr.write(`${line}\n`),
        },
    };
}

async function main() {
    const { spec, opts } = specFromEnv(process.env);
    const summary = await pushToGrafana(spec, opts);
    process.stdout.write(`${JSON.stringify(summary)}\n`);
}

module.exports = { pushToGrafana, specFromEnv, scrub };

if (require.main === module) {
    main().catch((e) => {
        const token = process.env.SY_GRAFANA_TOKEN;
        const known = e instanceof PushError;
        process.stderr.write(`switchyard grafana push FAILED: ${scrub(known ? e.message : (e && e.stack) || e, token)}\n`);
        process.exit(known ? 1 : 2);
    });
}
