import type { ConfigMap } from "@pulumi/pulumi/automation";
import { baseConfig, Config, runProgram } from "../../test/support/program";
import { CliError, ExitCode } from "../lib/cli";
import { BackupOptions, backupToolConfig, exitCodeOf, releaseFromOutputs, renderBackup, renderNow, toolArgs } from "./backup";

const opts = (o: Partial<BackupOptions>): BackupOptions => ({ json: false, yes: false, dryRun: false, action: "list", ...o });

/** A stack config as the Automation API's getAllConfig returns it (objects as JSON text). */
function configMap(c: Config, secretKeys: string[]): ConfigMap {
    return Object.fromEntries(
        Object.entries(c).map(([k, v]) => [
            `switchyard:${k}`,
            { value: typeof v === "string" ? v : JSON.stringify(v), secret: secretKeys.includes(k) },
        ]),
    );
}

function withBackup(): Config {
    const c = baseConfig();
    c.backup = {
        target: { type: "s3", bucket: "sy-snapshots", prefix: "local/", createBucket: true, endpoint: "http://127.0.0.1:9000" },
        postgres: [{ name: "app", compressLevel: 1 }],
        mysql: [{ name: "shop", container: "shop-db" }],
        volumes: [{ name: "uploads", volume: "app_uploads" }],
        retention: { keepWithinDays: 7 },
    };
    c.backupSecrets = { app: "postgres://app:pw@db:5432/app", shop: "mysql://shop:pw@db:3306/shop" };
    return c;
}
const SECRET_KEYS = ["secretEnv", "backupSecrets"];

describe("switchyard backup: the tool config", () => {
    test("is exactly what the program's BackupSnapshot passes, for the same stack config and release", async () => {
        const r = await runProgram(withBackup(), { secretKeys: SECRET_KEYS });
        const command = r.one("command:local:Command", "backup-green-snapshot");
        const fromProgram = (command.inputs.environment as Record<string, string>).SWITCHYARD_BACKUP_CONFIG;
        const release = JSON.parse(fromProgram).release;
        const fromCli = backupToolConfig("local", configMap(withBackup(), SECRET_KEYS), {}, release, "pre-deploy");
        expect(fromCli.json).toBe(fromProgram);
        expect(fromCli.dockerHost).toBe("unix:///var/run/docker.sock");
        // Stack and app are what scope the tool to this stack's snapshots.
        expect(JSON.parse(fromCli.json)).toMatchObject({ stack: "local", app: "app" }); // app.name defaults to "app"
        expect(JSON.parse(fromCli.json).target).toEqual({
            type: "s3",
            bucket: "sy-snapshots",
            prefix: "local/",
            region: "us-east-1",
            endpoint: "http://127.0.0.1:9000",
            forcePathStyle: false,
        });
    });

    test("the program's own validation applies: a plain-text backupSecrets is refused (exit 2)", () => {
        const run = () => backupToolConfig("local", configMap(withBackup(), ["secretEnv"]), {});
        expect(run).toThrow(CliError);
        expect(run).toThrow(/the config of stack local is invalid:\n {2}- switchyard:backupSecrets/);
    });

    test("a tcp:// host's TLS certificate: the tool gets it as the variables runtime/docker-tls.js takes; none without", () => {
        const c = withBackup();
        c.docker = { host: "tcp://10.0.0.5:2376" };
        c.dockerTls = {
            cert: "-----BEGIN CERTIFICATE-----\nc\n-----END CERTIFICATE-----",
            key: "-----BEGIN PRIVATE KEY-----\nk\n-----END PRIVATE KEY-----",
        };
        const r = backupToolConfig("local", configMap(c, [...SECRET_KEYS, "dockerTls"]), {});
        expect(r.dockerHost).toBe("tcp://10.0.0.5:2376");
        expect(Object.keys(r.dockerTls).sort()).toEqual(["SWITCHYARD_DOCKER_TLS_CERT", "SWITCHYARD_DOCKER_TLS_KEY"]);
        expect(r.dockerTls.SWITCHYARD_DOCKER_TLS_KEY).toContain("PRIVATE KEY");
        expect(backupToolConfig("local", configMap(withBackup(), SECRET_KEYS), {}).dockerTls).toEqual({});
    });

    test("a stack without switchyard:backup is a usage error", () => {
        expect(() => backupToolConfig("local", configMap(baseConfig(), ["secretEnv"]), {})).toThrow(
            "stack local has no switchyard:backup config: it takes no snapshots",
        );
    });
});

describe("switchyard backup: tool arguments, output, exit codes", () => {
    test.each([
        [opts({ action: "snapshot", json: true }), ["snapshot"]],
        [opts({ action: "now", json: true }), ["snapshot"]],
        [opts({ action: "list" }), ["list"]],
        [opts({ action: "list", json: true }), ["list", "--json"]],
        [opts({ action: "verify", ref: "latest" }), ["verify", "latest"]],
        [opts({ action: "restore", ref: "abc", yes: true, json: true }), ["restore", "abc", "--yes", "--json"]],
        [opts({ action: "restore", ref: "abc" }), ["restore", "abc"]],
        [opts({ action: "prune", dryRun: true }), ["prune", "--dry-run"]],
    ])("%j -> %j", (o, args) => {
        expect(toolArgs(o)).toEqual(args);
    });

    test.each([
        [0, ExitCode.Ok],
        [1, ExitCode.Failed],
        [2, ExitCode.Usage],
        [3, ExitCode.Cancelled],
        [4, ExitCode.NotVerified],
        [137, ExitCode.Failed],
    ])("tool exit %i -> %i", (tool, cli) => {
        expect(exitCodeOf(tool)).toBe(cli);
    });

    test("a manual snapshot records the stack's current release with no version change", () => {
        expect(releaseFromOutputs({ deploymentId: "local-1.1.0-x", versions: { blue: "1.0.0", green: "1.1.0" } })).toEqual({
            deploymentId: "local-1.1.0-x",
            versionsBefore: { blue: "1.0.0", green: "1.1.0" },
            versionsAfter: { blue: "1.0.0", green: "1.1.0" },
            commit: null,
        });
        expect(releaseFromOutputs({})).toBeUndefined();
    });

    test("snapshot and verify: a line, or with --json one JSON document", () => {
        const line = '{"snapshotId":"s1","location":"/b/s1","totalBytes":10,"manifestSha256":"ab"}\n';
        expect(renderBackup(opts({ action: "snapshot" }), line)).toBe("snapshot s1: 10 bytes at /b/s1 (manifest sha256 ab)\n");
        expect(JSON.parse(renderBackup(opts({ action: "snapshot", json: true }), line))).toEqual(JSON.parse(line));
        const v = '{"snapshotId":"s1","ok":true,"totalBytes":10,"manifestSha256":"ab","files":2}\n';
        expect(renderBackup(opts({ action: "verify" }), v)).toBe("snapshot s1 verifies: 2 files, 10 bytes\n");
        expect(renderBackup(opts({ action: "list" }), "a\tcomplete\n")).toBe("a\tcomplete\n");
    });
});

describe("switchyard backup now: the report", () => {
    const r = {
        snapshotId: "20260101T000000000Z-d1",
        location: "/b/20260101T000000000Z-d1",
        kind: "manual" as const,
        totalBytes: 12_345_678,
        manifestSha256: "ab",
        durationSeconds: 3.21,
        verification: { ok: true, files: 2, durationSeconds: 0.44 },
    };
    test.each([
        [
            r,
            "snapshot 20260101T000000000Z-d1 (manual): 12345678 bytes (12.3 MB) in 3.2 s at /b/20260101T000000000Z-d1\nverification: ok, 2 files re-read at the target in 0.4 s\n",
        ],
        [
            { ...r, verification: { ok: false, durationSeconds: 0.1 } },
            "snapshot 20260101T000000000Z-d1 (manual): 12345678 bytes (12.3 MB) in 3.2 s at /b/20260101T000000000Z-d1\nverification: FAILED (see above)\n",
        ],
    ])("text: %#", (result, text) => {
        expect(renderNow(result, false)).toBe(text);
    });
    test("json: every field", () => {
        expect(JSON.parse(renderNow(r, true))).toEqual(r);
    });
    test("the tool config of `now` records kind manual and the scheduled retention", () => {
        const c = withBackup();
        (c.backup as Record<string, unknown>).schedule = { cron: "*/5 * * * *", keepLast: 3 };
        const json = JSON.parse(backupToolConfig("local", configMap(c, SECRET_KEYS), {}, undefined, "manual").json);
        expect(json.kind).toBe("manual");
        expect(json.scheduledRetention).toEqual({ keepLast: 3 });
    });
});
