/**
 * Backup and migration wiring of the program, under Pulumi mocks (test/unit/stack/harness).
 * No backup configured -> no backup resource; configured -> per colour a ledger, a snapshot and
 * the optional migration, ordered before that colour's containers, with secrets kept secret.
 */
import { baseConfig, Config, previewLikeUpdate, runProgram, RunResult, SECRET_SIG } from "../../test/support/program";

const T = {
    container: "docker:index/container:Container",
    command: "command:local:Command",
    ledger: "switchyard:backup:ReleaseLedger",
    snapshot: "switchyard:backup:BackupSnapshot",
    migration: "switchyard:release:MigrationHook",
};
const PASSWORD = "s3kr1t-db-pw";
const SECRET_KEYS = ["secretEnv", "backupSecrets"];

function withBackup(patch: (c: Config) => void = () => undefined): Config {
    const c = baseConfig();
    c.backup = { target: { type: "local", root: "/var/backups/sy" }, postgres: [{ name: "app" }], retention: { keepLast: 5 } };
    c.backupSecrets = { app: `postgres://app:${PASSWORD}@db:5432/app` };
    patch(c);
    return c;
}
const short = (urn: string) => urn.split("::").pop();
const deps = (r: RunResult, type: string, name: string) => r.one(type, name).dependencies.map(short).sort();
const count = (r: RunResult, type: string) => r.byType(type).length;
/** What a colour's containers wait for: their own dependencies, and those of the route fence they wait for. */
const before = (r: RunResult, container: string) => {
    const d = deps(r, T.container, container);
    const fence = d.find((x) => /^fence-(blue|green)-step$/.test(x!));
    return fence ? [...d, ...deps(r, T.command, fence)] : d;
};
const isSecret = (v: unknown) => !!v && typeof v === "object" && (v as Record<string, unknown>)[SECRET_SIG] !== undefined;

test("no backup configured: no backup, ledger or migration resource, no backup outputs", async () => {
    const r = await runProgram(baseConfig());
    expect(r.resources.filter((x) => x.type.startsWith("switchyard:backup:") || x.type === T.migration)).toEqual([]);
    // The 5 commands of a stack without backup, and one route fence step per colour.
    expect(count(r, T.command)).toBe(7);
    expect(r.outputs.backups).toEqual({});
    expect(r.outputs.migrations).toEqual({});
    for (const c of r.byType(T.container)) {
        expect(c.dependencies.map(short).filter((d) => /backup|migration|ledger/.test(d!))).toEqual([]);
    }
});

describe("backup configured", () => {
    let r: RunResult;
    beforeAll(async () => {
        r = await runProgram(withBackup(), { secretKeys: SECRET_KEYS });
    });

    test("one ledger and one snapshot per colour, nothing else added", () => {
        expect(count(r, T.ledger)).toBe(2);
        expect(count(r, T.snapshot)).toBe(2);
        expect(count(r, T.migration)).toBe(0);
        expect(count(r, T.command)).toBe(7 + 4);
        expect(
            r
                .byType(T.snapshot)
                .map((x) => x.name)
                .sort(),
        ).toEqual(["backup-blue", "backup-green"]);
    });

    test("the ledger runs runtime/ledger.js with the colour's version, its previous entry in the environment", () => {
        const l = r.one(T.command, "ledger-green-record");
        expect(l.inputs.create).toBe("node runtime/ledger.js");
        expect(l.inputs.update).toBe(l.inputs.create);
        expect(l.inputs.interpreter).toBeUndefined();
        expect(l.inputs.environment).toEqual({ SWITCHYARD_LEDGER_VERSION: "1.1.0" });
        expect(l.inputs.addPreviousOutputInEnv).toBe(true);
    });

    test("each colour's containers wait for that colour's snapshot only", () => {
        for (const [c, other] of [
            ["blue", "green"],
            ["green", "blue"],
        ]) {
            for (const i of [1, 2]) {
                const d = before(r, `app-${c}-${i}`);
                expect(d).toContain(`fence-${c}-step`);
                expect(d).toContain(`backup-${c}-snapshot`);
                expect(d).not.toContain(`backup-${other}-snapshot`);
            }
        }
        expect(deps(r, T.command, "backup-green-snapshot")).toEqual(["ledger-green-record", "release-green-clock"]);
    });

    test("the snapshot runs once per release: triggers are the colour's deployment id and version only", () => {
        const s = r.one(T.command, "backup-green-snapshot");
        expect(s.inputs.triggers).toEqual(["local-1.1.0-20261124_101500", { green: "1.1.0" }]);
        const cfg = JSON.parse((s.inputs.environment as Record<string, string>).SWITCHYARD_BACKUP_CONFIG);
        expect(cfg).toEqual({
            stack: "local",
            app: "app",
            kind: "pre-deploy",
            target: { type: "local", root: "/var/backups/sy" },
            postgres: [{ name: "app", url: `postgres://app:${PASSWORD}@db:5432/app` }],
            volumes: [],
            volumeImage: "switchyard/base:bookworm",
            release: {
                deploymentId: "local-1.1.0-20261124_101500",
                versionsBefore: { green: null },
                versionsAfter: { green: "1.1.0" },
                commit: null,
            },
            retention: { keepLast: 5 },
        });
        expect(String(s.inputs.create)).toMatch(/snapshot && \{ .* prune --json >&2 \|\| echo .*warning: prune/);
    });

    test("the database URL is secret in every input and absent from outputs", () => {
        const s = r.one(T.command, "backup-blue-snapshot");
        const env = s.rawInputs.environment as Record<string, unknown>;
        expect(isSecret(env.SWITCHYARD_BACKUP_CONFIG)).toBe(true);
        expect(env.DOCKER_HOST).toBe("unix:///var/run/docker.sock");
        for (const x of r.resources) {
            const plain = JSON.stringify(x.rawInputs, (_k, v) => (isSecret(v) ? "<secret>" : v));
            expect(plain).not.toContain(PASSWORD);
        }
        expect(JSON.stringify(r.outputs)).not.toContain(PASSWORD);
    });

    test("outputs: the snapshot per colour", () => {
        expect(r.outputs.backups).toEqual({
            blue: {
                snapshotId: "20261124T101500000Z-backup-blue-snapshot",
                location: "/var/backups/sy/20261124T101500000Z-backup-blue-snapshot",
                totalBytes: 4096,
                manifestSha256: "a".repeat(64),
            },
            green: {
                snapshotId: "20261124T101500000Z-backup-green-snapshot",
                location: "/var/backups/sy/20261124T101500000Z-backup-green-snapshot",
                totalBytes: 4096,
                manifestSha256: "a".repeat(64),
            },
        });
        expect(r.outputs.migrations).toEqual({});
    });
});

describe("migration configured", () => {
    let r: RunResult;
    beforeAll(async () => {
        r = await runProgram(
            withBackup((c) => {
                c.migration = { command: ["npm", "run", "migrate"], down: ["npm", "run", "rollback"], timeoutSeconds: 120 };
                c.app = { ...(c.app as object), env: { LOG_LEVEL: "info", FEATURE: "x" } };
                c.colors = { blue: { version: "1.0.0" }, green: { version: "1.1.0", env: { FEATURE: "y" } } };
            }),
            { secretKeys: SECRET_KEYS },
        );
    });

    test("after every snapshot, lower version first, before the colour's containers", () => {
        expect(count(r, T.migration)).toBe(2);
        expect(deps(r, T.migration, "migration-blue")).toEqual(["backup-blue-snapshot", "backup-green-snapshot"]);
        expect(deps(r, T.migration, "migration-green")).toEqual(["backup-blue-snapshot", "backup-green-snapshot", "migration-blue-run"]);
        expect(before(r, "app-green-1")).toEqual(expect.arrayContaining(["backup-green-snapshot", "migration-green-run"]));
        expect(before(r, "app-green-1")).not.toContain("migration-blue-run");
        expect(before(r, "app-blue-2")).toEqual(expect.arrayContaining(["backup-blue-snapshot", "migration-blue-run"]));
    });

    test("runs the new image on the app network; secret values only in the secret environment", () => {
        const m = r.one(T.command, "migration-green-run");
        expect(m.inputs.create).toBe("node runtime/migration.js");
        expect(m.inputs.update).toBe(m.inputs.create);
        expect(m.inputs.triggers).toEqual(["local-1.1.0-20261124_101500"]);
        expect(isSecret(m.rawInputs.environment)).toBe(true);
        expect(m.inputs.environment).toEqual({
            SWITCHYARD_MIGRATION_ENV: JSON.stringify({
                DB_PASSWORD: "hunter2-not-in-state",
                FEATURE: "y",
                LOG_LEVEL: "info",
                SWITCHYARD_COLOR: "green",
                SWITCHYARD_VERSION: "1.1.0",
            }),
            SWITCHYARD_MIGRATION_CONTAINER: "local-app-migrate-green",
            SWITCHYARD_MIGRATION_IMAGE: "switchyard/demo-app:1.1.0",
            SWITCHYARD_MIGRATION_ARGV: '["npm","run","migrate"]',
            SWITCHYARD_MIGRATION_LABELS: JSON.stringify({
                "switchyard.stack": "local",
                "switchyard.color": "green",
                "switchyard.version": "1.1.0",
                "switchyard.role": "migration",
            }),
            SWITCHYARD_MIGRATION_TIMEOUT: "120",
            SWITCHYARD_MIGRATION_WHAT: "'npm run migrate' for green 1.1.0 (image switchyard/demo-app:1.1.0)",
            SWITCHYARD_DEPLOYMENT_ID: "local-1.1.0-20261124_101500",
            SWITCHYARD_MIGRATION_NETWORK: "local-app",
            SWITCHYARD_MIGRATION_SECRETS: JSON.stringify(["DB_PASSWORD"]),
            DOCKER_HOST: "unix:///var/run/docker.sock",
        });
    });

    test("the down-migration is recorded per colour", () => {
        const record = (version: string) => ({
            image: `switchyard/demo-app:${version}`,
            version,
            up: ["npm", "run", "migrate"],
            down: ["npm", "run", "rollback"],
            deploymentId: `local-${version}-20261124_101500`,
        });
        expect(r.outputs.migrations).toEqual({ blue: record("1.0.0"), green: record("1.1.0") });
    });

    test("green older than blue: green's migration runs first", async () => {
        const r2 = await runProgram(
            withBackup((c) => {
                c.migration = { command: ["migrate"] };
                c.colors = { blue: { version: "2.0.0" }, green: { version: "1.9.9" } };
            }),
            { secretKeys: SECRET_KEYS },
        );
        expect(deps(r2, T.migration, "migration-blue")).toEqual(["backup-blue-snapshot", "backup-green-snapshot", "migration-green-run"]);
        expect(deps(r2, T.migration, "migration-green")).toEqual(["backup-blue-snapshot", "backup-green-snapshot"]);
    });
});

test("preview (dryRun) registers the same resources as an update", async () => {
    const preview = await previewLikeUpdate(withBackup(), SECRET_KEYS);
    expect(count(preview, T.snapshot)).toBe(2);
});

test.each([
    ["backupSecrets in plain text", (c: Config) => c, ["secretEnv"], /switchyard:backupSecrets: is stored in plain text/],
    [
        "a source without its URL",
        (c: Config) => {
            c.backupSecrets = {};
            return c;
        },
        SECRET_KEYS,
        /switchyard:backupSecrets\.app: missing; backup\.postgres lists 'app'/,
    ],
    [
        "migration without backup",
        (c: Config) => {
            delete c.backup;
            delete c.backupSecrets;
            c.migration = { command: ["x"] };
            return c;
        },
        ["secretEnv"],
        /switchyard:migration: needs switchyard:backup/,
    ],
])("the program refuses %s before registering anything", async (_what, patch, keys, message) => {
    await expect(runProgram(patch(withBackup()), { secretKeys: keys })).rejects.toThrow(message);
});
