/**
 * Real engine: the CrossGuard pack in policies/ run by the real `pulumi preview` / `pulumi up`
 * with `--policy-pack policies` on the switchyard program (stack `e2e-policy`, router on 18480). For each
 * policy one compliant and one violating run, asserting the policy name, enforcement level and message.
 * Enforcement: every run passes `--policy-pack-config` with a file written here from
 * policies/config/production.json (all mandatory, production bounds) or local.json (all advisory),
 * with a deployment window computed from the real clock (one that excludes now, one that includes it).
 * backup-before-release and deployment-window judge a version change against the deployed stack
 * (ReleaseStamp previousVersion from the stack's own last outputs), so they run after a real `up`.
 * canary-weight-bounds: the program cannot be configured into an ungated canary, so its violating run
 * previews a fixture (test/engine/fixtures/ungated-canary) built from the real routing components.
 * snapshot-bucket-hardened is not here: the aws provider plugin cannot run on this machine (no
 * S3 bucket resource can be previewed without it); it is covered by the unit tests in policies/ only.
 */
import "./policyEnv"; // must stay the first import
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { baseConfig, freshStack, outputs, pulumi, report, ROOT, routerStatus, run, Run, STACK } from "./harness";

jest.setTimeout(30 * 60_000);

const CONFIG_FILE = path.join(ROOT, `Pulumi.${STACK}.yaml`);
const FIXTURE = path.join(__dirname, "fixtures/ungated-canary");
const WORK = fs.mkdtempSync(path.join(os.tmpdir(), "switchyard-e2e-policy-"));
const BACKUP_ROOT = path.join(WORK, "backups");
const DATA_VOLUME = `${STACK}-policy-data`;
const OVERRIDE_REASON = "INC-4711 checkout outage: hotfix approved by the on-call lead";

// ---- policy output ------------------------------------------------------------------------------

interface Violation {
    level: string;
    severity: string;
    policy: string;
    /** `type: name` of the resource the violation is about. */
    resource: string;
    message: string;
}

/**
 * The violations the CLI prints under "Policies:" (text output: `--json` previews carry no policy
 * events). Each is a `- [level] [severity: s]  name  (type: resource)` line, the policy description,
 * then the message.
 */
function violations(out: string): Violation[] {
    const lines = out.split("\n");
    const found: Violation[] = [];
    const start = lines.findIndex((l) => /^Policies:/.test(l));
    if (start < 0) {
        return found;
    }
    const head = /^\s+- \[(\w+)\] \[severity: (\w+)\]\s+(\S+)(?:\s+\((.*)\))?\s*$/;
    for (let i = start + 1; i < lines.length && !/^\S/.test(lines[i]); i++) {
        const m = head.exec(lines[i]);
        if (!m) {
            continue;
        }
        const body: string[] = [];
        for (let j = i + 2; j < lines.length && lines[j].trim() !== "" && !head.test(lines[j]) && /^\s{6,}/.test(lines[j]); j++) {
            body.push(lines[j].trim());
        }
        found.push({ level: m[1], severity: m[2], policy: m[3], resource: m[4] ?? "", message: body.join(" ") });
    }
    return found;
}

const policiesOf = (v: Violation[]) => [...new Set(v.map((x) => x.policy))].sort();
const packRan = (r: Run) => /^Policies:\n\s+(✅|⚠️|❌) switchyard@v0\.1\.0/mu.test(r.stdout);

// ---- policy config (--policy-pack-config) --------------------------------------------------------

type Level = "production" | "local";
const pad = (n: number) => String(n).padStart(2, "0");
const hour = (h: number) => `${pad(((h % 24) + 24) % 24)}:00`;
const ALL_DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

/** A UTC window on every day: from one hour before now to two hours after (includes now). */
function windowIncludingNow(): Record<string, unknown> {
    const h = new Date().getUTCHours();
    return { days: ALL_DAYS, start: hour(h - 1), end: hour(h + 2), timeZone: "UTC" };
}
/** A UTC window on every day, 6 to 8 hours from now (excludes now, whatever the day). */
function windowExcludingNow(): Record<string, unknown> {
    const h = new Date().getUTCHours();
    return { days: ALL_DAYS, start: hour(h + 6), end: hour(h + 8), timeZone: "UTC" };
}

/** Writes the stack's policy config file: levels and bounds of policies/config/<level>.json, this window. */
function policyConfig(level: Level, window: Record<string, unknown>): string {
    const base = JSON.parse(fs.readFileSync(path.join(ROOT, "policies/config", `${level}.json`), "utf8")) as Record<
        string,
        Record<string, unknown>
    >;
    base["deployment-window"] = { ...base["deployment-window"], ...window };
    const file = path.join(WORK, `policy-${level}-${Date.now()}.json`);
    fs.writeFileSync(file, JSON.stringify(base, null, 2));
    return file;
}

// ---- the stack's config ----------------------------------------------------------------------------

type Config = Record<string, unknown>;

/** The compliant starting point: the e2e config plus a pre-deploy snapshot of a volume. */
function compliantConfig(): Config {
    return {
        ...baseConfig(),
        "switchyard:backup": { target: { type: "local", root: BACKUP_ROOT }, volumes: [{ name: "data", volume: DATA_VOLUME }] },
    };
}

let salt: string | undefined;
/** Replaces the stack's config file (keeps the stack's encryption salt, so secrets still decrypt). */
function writeConfig(config: Config): void {
    fs.writeFileSync(CONFIG_FILE, YAML.stringify({ config, ...(salt ? { encryptionsalt: salt } : {}) }));
}

const withApp = (c: Config, app: Record<string, unknown>): Config => ({
    ...c,
    "switchyard:app": { ...(c["switchyard:app"] as object), ...app },
});
const withGreen = (c: Config, version: string): Config => ({
    ...c,
    "switchyard:colors": { ...(c["switchyard:colors"] as object), green: { version } },
});
const without = (c: Config, key: string): Config => Object.fromEntries(Object.entries(c).filter(([k]) => k !== key));

// ---- runs --------------------------------------------------------------------------------------------

const runs: { what: string; ms: number; code: number }[] = [];

async function preview(what: string, level: Level, window: Record<string, unknown>): Promise<Run> {
    const r = await pulumi([
        "preview",
        "--suppress-progress",
        "--policy-pack",
        "policies",
        "--policy-pack-config",
        policyConfig(level, window),
    ]);
    runs.push({ what: `preview ${what}`, ms: r.ms, code: r.code });
    return r;
}

async function upWithPolicies(what: string, level: Level, window: Record<string, unknown>): Promise<Run> {
    // No --skip-preview: stack policies run on the preview first, so a mandatory one stops the update
    // before anything changes (and again on the final state after it).
    const r = await pulumi([
        "up",
        "--yes",
        "--suppress-progress",
        "--policy-pack",
        "policies",
        "--policy-pack-config",
        policyConfig(level, window),
    ]);
    runs.push({ what: `up ${what}`, ms: r.ms, code: r.code });
    return r;
}

async function previewFixture(gated: boolean): Promise<Run> {
    const r = await run(
        "pulumi",
        [
            "preview",
            "--suppress-progress",
            "--stack",
            STACK,
            "--non-interactive",
            "--cwd",
            FIXTURE,
            "--policy-pack",
            path.join(ROOT, "policies"),
            "--policy-pack-config",
            policyConfig("production", windowIncludingNow()),
        ],
        { env: { SY_FIXTURE_GATED: gated ? "1" : "0" } },
    );
    runs.push({ what: `preview fixture gated=${gated}`, ms: r.ms, code: r.code });
    return r;
}

const show = (r: Run) => `exit ${r.code}\n${r.stdout}\n${r.stderr}`;

/** A mandatory violation fails the run; the CLI says so. */
function expectBlocked(r: Run): void {
    expect({ code: r.code === 0 ? 0 : "non-zero", failed: /error: (preview|update) failed/.test(r.stdout + r.stderr) }).toEqual({
        code: "non-zero",
        failed: true,
    });
}

function expectClean(r: Run): void {
    if (r.code !== 0 || !packRan(r)) {
        throw new Error(`expected a clean run with the pack loaded:\n${show(r)}`);
    }
    expect(violations(r.stdout)).toEqual([]);
}

const APP_CONTAINERS = (c: string) => [`docker:index:Container: app-${c}-1`, `docker:index:Container: app-${c}-2`];

describe("policy pack on the real engine", () => {
    const t0 = Date.now();

    beforeAll(async () => {
        // Leftovers of an interrupted earlier run, by this stack's Docker names (the harness removes
        // labelled ones; a network with containers attached would survive that).
        const names = (await run("docker", ["ps", "-aq", "--filter", `name=^${STACK}-`])).stdout.split("\n").filter(Boolean);
        if (names.length > 0) {
            await run("docker", ["rm", "-f", ...names]);
        }
        await run("docker", ["network", "rm", `${STACK}-app`]);
        await freshStack(compliantConfig());
        salt = (YAML.parse(fs.readFileSync(CONFIG_FILE, "utf8")) as { encryptionsalt?: string }).encryptionsalt;
        fs.mkdirSync(BACKUP_ROOT, { recursive: true });
        await run("docker", ["volume", "rm", "-f", DATA_VOLUME]);
        const v = await run("docker", ["volume", "create", "--label", `switchyard.stack=${STACK}`, DATA_VOLUME]);
        if (v.code !== 0) {
            throw new Error(`docker volume create failed: ${v.stderr}`);
        }
        // The fixture project's own stack (same name, another project in the same backend).
        const ls = await run("pulumi", ["stack", "ls", "--json", "--cwd", FIXTURE]);
        if (!ls.stdout.includes(`"name": "${STACK}"`)) {
            const init = await run("pulumi", ["stack", "init", STACK, "--non-interactive", "--cwd", FIXTURE]);
            if (init.code !== 0) {
                throw new Error(`fixture stack init failed: ${init.stderr}`);
            }
        }
    });

    afterAll(async () => {
        writeConfig(compliantConfig());
        const d = await pulumi(["destroy", "--yes", "--skip-preview", "--suppress-progress", "--continue-on-error"]);
        if (d.code !== 0) {
            process.stdout.write(`[policies] destroy of ${STACK} failed (exit ${d.code}):\n${d.stdout}\n${d.stderr}\n`);
        }
        await run("pulumi", ["stack", "rm", STACK, "--yes", "--force", "--non-interactive"]);
        await run("pulumi", ["stack", "rm", STACK, "--yes", "--force", "--non-interactive", "--cwd", FIXTURE]);
        await run("docker", ["volume", "rm", "-f", DATA_VOLUME]);
        fs.rmSync(WORK, { recursive: true, force: true });
        const total = runs.reduce((s, r) => s + r.ms, 0);
        report("policies", {
            runs: runs.length,
            pulumiSeconds: Math.round(total / 100) / 10,
            wallSeconds: Math.round((Date.now() - t0) / 100) / 10,
            perRun: runs.map((r) => `${r.what}: ${(r.ms / 1000).toFixed(1)}s exit ${r.code}`),
        });
    });

    // ---- before the first deployment -----------------------------------------------------------

    test("compliant config: every policy passes at production enforcement (exit 0, no violation)", async () => {
        writeConfig(compliantConfig());
        expectClean(await preview("compliant, production", "production", windowIncludingNow()));
    });

    test("pinned-image-versions: a floating router tag is reported and blocks on production", async () => {
        writeConfig({
            ...compliantConfig(),
            "switchyard:router": { ...(baseConfig()["switchyard:router"] as object), image: "switchyard/router:latest" },
        });
        const r = await preview("pinned violating, production", "production", windowIncludingNow());
        expectBlocked(r);
        expect(violations(r.stdout)).toEqual([
            {
                level: "mandatory",
                severity: "high",
                policy: "pinned-image-versions",
                resource: "docker:index:RemoteImage: router-image",
                message:
                    "image 'switchyard/router:latest' uses the floating tag 'latest', which can change under a running stack; " +
                    "use the semver tag of the release instead (e.g. switchyard/router:1.4.2)",
            },
        ]);
    });

    test("app-healthcheck-required: a blank health check command is reported on every app container", async () => {
        const hc = (baseConfig()["switchyard:app"] as { healthcheck: object }).healthcheck;
        writeConfig(withApp(compliantConfig(), { healthcheck: { ...hc, command: ["CMD-SHELL", " "] } }));
        const r = await preview("healthcheck violating, production", "production", windowIncludingNow());
        expectBlocked(r);
        const v = violations(r.stdout);
        expect(policiesOf(v)).toEqual(["app-healthcheck-required"]);
        expect(v.map((x) => x.resource).sort()).toEqual([...APP_CONTAINERS("blue"), ...APP_CONTAINERS("green")].sort());
        for (const x of v) {
            expect(x).toMatchObject({ level: "mandatory", severity: "medium" });
            expect(x.message).toBe(
                `${x.resource.split(": ")[1]}: app container health check test ["CMD-SHELL"," "] must be ["CMD", program, args...] or ["CMD-SHELL", "command"]; ` +
                    'set app.healthcheck (path, or command ["CMD", ...]) so the program gives every app container a Docker HEALTHCHECK',
            );
        }
    });

    test("app-resource-limits: 64 MB is below production's 128 MB minimum (mandatory), and only a warning on local", async () => {
        writeConfig(withApp(compliantConfig(), { resources: { cpus: 0.5, memoryMb: 64 } }));
        const r = await preview("limits violating, production", "production", windowIncludingNow());
        expectBlocked(r);
        const v = violations(r.stdout);
        expect(policiesOf(v)).toEqual(["app-resource-limits"]);
        expect(v).toHaveLength(4);
        for (const x of v) {
            expect(x).toMatchObject({ level: "mandatory", severity: "medium" });
            expect(x.message).toBe(
                `${x.resource.split(": ")[1]}: app container memory limit 64 MB is below the minimum 128 MB; raise app.resources.memoryMb`,
            );
        }
        // Local: advisory, and the local bounds (minMemoryMb 16) accept 64 MB.
        expectClean(await preview("limits 64 MB, local", "local", windowIncludingNow()));
    });

    test("no-plaintext-secrets: a token in app.env is reported; the same name as a Pulumi secret passes", async () => {
        writeConfig(withApp(compliantConfig(), { env: { API_TOKEN: "tok-123" } }));
        const r = await preview("secrets violating, production", "production", windowIncludingNow());
        expectBlocked(r);
        const v = violations(r.stdout);
        expect(v.map((x) => x.resource).sort()).toEqual(["switchyard:app:ColorStack: app-blue", "switchyard:app:ColorStack: app-green"]);
        for (const x of v) {
            const stack = x.resource.split(": ")[1];
            expect(x).toEqual({
                level: "mandatory",
                severity: "critical",
                policy: "no-plaintext-secrets",
                resource: x.resource,
                message:
                    `${stack}: env var API_TOKEN looks like a secret but is passed in plain text; move it to a Pulumi secret: ` +
                    "pulumi config rm --path 'app.env.API_TOKEN' (or colors.<colour>.env.API_TOKEN), then pulumi config set --secret --path 'secretEnv.API_TOKEN' <value>",
            });
        }
        writeConfig(compliantConfig());
        const set = await pulumi(["config", "set", "--secret", "--path", "secretEnv.API_TOKEN", "tok-123"]);
        expect(set.code).toBe(0);
        expectClean(await preview("secrets compliant, production", "production", windowIncludingNow()));
    });

    test("canary-weight-bounds: a 10% canary whose router does not wait for the green gate is blocked; gated it passes", async () => {
        const bad = await previewFixture(false);
        expectBlocked(bad);
        expect(violations(bad.stdout)).toEqual([
            {
                level: "mandatory",
                severity: "high",
                policy: "canary-weight-bounds",
                resource: "switchyard:routing:CanaryRouter: routing",
                message:
                    "canary green gets 10% but the router's apply step does not wait for the green health gate (gate-green-check); " +
                    "set canary.weight to 0 until the green health gate passes, or restore the gate (HealthGate 'gate-green') in front of the router",
            },
        ]);
        expectClean(await previewFixture(true));
    });

    // ---- deployed: releases judged against the previous deployment --------------------------------

    test("first deployment: pulumi up with the pack at production enforcement", async () => {
        writeConfig(compliantConfig());
        const r = await upWithPolicies("first deployment, production", "production", windowIncludingNow());
        if (r.code !== 0) {
            throw new Error(`up failed:\n${show(r)}`);
        }
        expect(violations(r.stdout)).toEqual([]);
        const o = await outputs();
        expect(o.versions).toEqual({ blue: "1.0.0", green: "1.1.0" });
        expect(o.deploymentWindowOverride ?? null).toBeNull();
    });

    test("backup-before-release: releasing green 1.1.0 -> 1.2.0 without a snapshot is blocked; with one it passes; a flip needs none", async () => {
        writeConfig(withGreen(without(compliantConfig(), "switchyard:backup"), "1.2.0"));
        const r = await preview("backup violating, production", "production", windowIncludingNow());
        expectBlocked(r);
        const v = violations(r.stdout);
        expect(v.map((x) => x.resource).sort()).toEqual(APP_CONTAINERS("green"));
        for (const x of v) {
            expect(x).toEqual({
                level: "mandatory",
                severity: "high",
                policy: "backup-before-release",
                resource: x.resource,
                message:
                    `release of green 1.1.0 -> 1.2.0: container ${x.resource.split(": ")[1]} does not depend on a BackupSnapshot, so it could change before the data is saved; ` +
                    "create BackupSnapshot backup-green for 1.2.0 and make the green containers dependsOn it (ColorStack args.after)",
            });
        }
        writeConfig(withGreen(compliantConfig(), "1.2.0"));
        expectClean(await preview("backup compliant, production", "production", windowIncludingNow()));
        // No version changes (a flip): no release, so no snapshot is required.
        writeConfig({ ...without(compliantConfig(), "switchyard:backup"), "switchyard:activeColor": "green" });
        expectClean(await preview("flip without backup, production", "production", windowIncludingNow()));
    });

    test("deployment-window: a release outside the window is blocked; inside it, or a flip outside it, passes", async () => {
        writeConfig(withGreen(compliantConfig(), "1.2.0"));
        const excludedAt = new Date();
        const excluded = windowExcludingNow();
        const r = await preview("window violating, production", "production", excluded);
        expectBlocked(r);
        const v = violations(r.stdout);
        expect(v).toHaveLength(1);
        expect(v[0]).toMatchObject({
            level: "mandatory",
            severity: "high",
            policy: "deployment-window",
            resource: `pulumi:pulumi:Stack: switchyard-${STACK}`,
        });
        // The window opens next at its start hour, 6 hours from when it was computed (every day is listed).
        const next = new Date(excludedAt);
        next.setUTCHours(next.getUTCHours() + 6, 0, 0, 0);
        const day = (d: Date) => d.toLocaleDateString("en-US", { weekday: "short", timeZone: "UTC" });
        const date = (d: Date) => d.toISOString().slice(0, 10);
        expect(v[0].message).toMatch(
            new RegExp(
                `^release green 1\\.1\\.0 -> 1\\.2\\.0: ${day(excludedAt)} ${date(excludedAt)} \\d\\d:\\d\\d UTC is outside the deployment window ` +
                    `\\(Sun, Mon, Tue, Wed, Thu, Fri, Sat ${excluded.start}-${excluded.end} UTC\\) and no emergency override was given\\. ` +
                    `Release when the window next opens, ${day(next)} ${date(next)} ${excluded.start} UTC \\(${next.toISOString().replace(/\./g, "\\.")}\\), ` +
                    "or declare an emergency override with a non-empty reason: " +
                    "pulumi config set --path 'deploymentWindow\\.override\\.reason' '<incident and approver>' \\(exported as stack output deploymentWindowOverride\\)$",
            ),
        );
        // Advisory on local: reported, not blocking.
        const local = await preview("window violating, local", "local", excluded);
        expect(local.code).toBe(0);
        expect(violations(local.stdout).map((x) => `${x.level} ${x.policy}`)).toEqual(["advisory deployment-window"]);
        // Inside the window.
        expectClean(await preview("window compliant, production", "production", windowIncludingNow()));
        // Outside the window but no version changes: not a release.
        writeConfig({ ...compliantConfig(), "switchyard:activeColor": "green" });
        expectClean(await preview("flip outside window, production", "production", excluded));
    });

    test("deployment-window: an emergency override lets the release out of the window, and its reason is in the stack outputs", async () => {
        writeConfig({ ...withGreen(compliantConfig(), "1.2.0"), "switchyard:deploymentWindow": { override: { reason: OVERRIDE_REASON } } });
        const r = await upWithPolicies("override release outside window, production", "production", windowExcludingNow());
        if (r.code !== 0) {
            throw new Error(`up with an override failed:\n${show(r)}`);
        }
        expect(violations(r.stdout)).toEqual([]);
        const o = await outputs();
        expect(o.deploymentWindowOverride).toEqual({ reason: OVERRIDE_REASON });
        expect(o.versions).toEqual({ blue: "1.0.0", green: "1.2.0" });
    });

    test("canary-weight-bounds (compliant, deployed): a 10% canary behind its gate goes out at production enforcement", async () => {
        // Outside the window and without an override: a weight change is no release.
        writeConfig({
            ...withGreen(compliantConfig(), "1.2.0"),
            "switchyard:canary": { ...(baseConfig()["switchyard:canary"] as object), weight: 10 },
        });
        const r = await upWithPolicies("canary 10% outside window, production", "production", windowExcludingNow());
        if (r.code !== 0) {
            throw new Error(`canary up failed:\n${show(r)}`);
        }
        expect(violations(r.stdout)).toEqual([]);
        const status = await routerStatus();
        expect(status.weights).toEqual({ blue: 90, green: 10 });
        const o = await outputs();
        expect(o.deploymentWindowOverride ?? null).toBeNull();
    });
});
