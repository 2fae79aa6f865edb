import * as pulumi from "@pulumi/pulumi";

interface Rec {
    type: string;
    name: string;
    inputs: Record<string, unknown>;
}
const recorded: Rec[] = [];
const stdout =
    '{"snapshotId":"20261124T101500000Z-local-1.1.0-20261124_101500","location":"/var/backups/sy/x","totalBytes":1234,"manifestSha256":"' +
    "a".repeat(64) +
    '"}\n';

pulumi.runtime.setMocks(
    {
        newResource: (a) => {
            recorded.push({ type: a.type, name: a.name, inputs: a.inputs });
            if (a.type === "command:local:Command") return { id: `${a.name}-id`, state: { ...a.inputs, stdout, stderr: "" } };
            if (a.type === "switchyard:backup:BackupSnapshot") return { id: "", state: {} };
            throw new Error(`unmocked resource ${a.type}`);
        },
        call: (a) => {
            throw new Error(`unmocked call ${a.token}`);
        },
    },
    "switchyard",
    "local",
    false,
);

import { BackupSnapshot, parseSnapshotOutput } from "./backupSnapshot";

const unwrap = <T>(o: pulumi.Output<T>): Promise<T> => new Promise((resolve) => o.apply((v) => resolve(v)));
const isSecret = <T>(o: pulumi.Output<T>): Promise<boolean> => (o as unknown as { isSecret: Promise<boolean> }).isSecret;

const args = () => ({
    stack: "local",
    app: "web",
    deploymentId: "local-1.1.0-20261124_101500",
    versionsBefore: { blue: "1.0.0", green: "1.0.0" },
    versionsAfter: { blue: "1.0.0", green: "1.1.0" },
    target: { type: "local" as const, root: "/var/backups/sy" },
    postgres: [{ name: "app", url: pulumi.secret("postgres://app:hunter2@db:5432/app") }],
    volumes: [{ name: "uploads", volume: "app_uploads" }],
});

beforeEach(() => (recorded.length = 0));

test("one Command, config as a single secret env var, outputs parsed from its JSON line", async () => {
    const b = new BackupSnapshot("backup", args());
    expect(await unwrap(b.snapshotId)).toBe("20261124T101500000Z-local-1.1.0-20261124_101500");
    expect(await unwrap(b.totalBytes)).toBe(1234);
    expect(await unwrap(b.location)).toBe("/var/backups/sy/x");
    expect(await unwrap(b.manifestSha256)).toBe("a".repeat(64));
    expect(recorded.map((r) => `${r.type}/${r.name}`)).toEqual([
        "switchyard:backup:BackupSnapshot/backup",
        "command:local:Command/backup-snapshot",
    ]);
    const env = b.command.environment as pulumi.Output<Record<string, string>>;
    expect(await isSecret(env)).toBe(true);
    const cfg = JSON.parse((await unwrap(env)).SWITCHYARD_BACKUP_CONFIG);
    expect(cfg).toEqual({
        stack: "local",
        app: "web",
        kind: "pre-deploy",
        target: { type: "local", root: "/var/backups/sy" },
        postgres: [{ name: "app", url: "postgres://app:hunter2@db:5432/app" }],
        volumes: [{ name: "uploads", volume: "app_uploads" }],
        release: {
            deploymentId: "local-1.1.0-20261124_101500",
            versionsBefore: { blue: "1.0.0", green: "1.0.0" },
            versionsAfter: { blue: "1.0.0", green: "1.1.0" },
            commit: null,
        },
    });
    const create = await unwrap(b.command.create as pulumi.Output<string>);
    expect(create).toBe("node runtime/backup.js snapshot");
    expect(create).not.toContain("hunter2");
    // An update (command line or config changed, same release) reuses this release's snapshot.
    expect(await unwrap(b.command.update as pulumi.Output<string>)).toBe("node runtime/backup.js snapshot --reuse-previous");
    expect(await unwrap(b.command.addPreviousOutputInEnv as pulumi.Output<boolean>)).toBe(true);
    expect(await unwrap(b.command.triggers as pulumi.Output<unknown[]>)).toEqual([
        "local-1.1.0-20261124_101500",
        { blue: "1.0.0", green: "1.1.0" },
    ]);
    expect(await isSecret(b.snapshotId)).toBe(false);
});

test("with retention, create and update prune after the snapshot; the config carries the normalized policy", async () => {
    const b = new BackupSnapshot("backup", { ...args(), retention: {} });
    const prune =
        "{ node runtime/backup.js prune --json >&2 || echo '[backup] warning: prune after the snapshot failed; every snapshot was kept' >&2; }";
    expect(await unwrap(b.command.create as pulumi.Output<string>)).toBe(`node runtime/backup.js snapshot && ${prune}`);
    expect(await unwrap(b.command.update as pulumi.Output<string>)).toBe(`node runtime/backup.js snapshot --reuse-previous && ${prune}`);
    const env = await unwrap(b.command.environment as pulumi.Output<Record<string, string>>);
    expect(JSON.parse(env.SWITCHYARD_BACKUP_CONFIG).retention).toEqual({ keepLast: 30 });
});

test.each([
    [{ postgres: [{ name: "bad name", url: "x" }] }, /postgres source name 'bad name' is invalid/],
    [
        {
            volumes: [
                { name: "v", volume: "a" },
                { name: "v", volume: "b" },
            ],
        },
        /volume source 'v' is listed twice/,
    ],
    [{ target: { type: "local" as const, root: "relative/dir" } }, /target root 'relative\/dir' must be an absolute path/],
])("validation %#", (patch, msg) => {
    expect(() => new BackupSnapshot("b", { ...args(), ...patch })).toThrow(msg);
});

test("parseSnapshotOutput rejects anything but the result line", () => {
    expect(() => parseSnapshotOutput("oops")).toThrow(/printed no JSON result line/);
    expect(() => parseSnapshotOutput('{"snapshotId":"x"}')).toThrow(/missing fields/);
});
