/** switchyard:backup, switchyard:migration and switchyard:backupSecrets validation (config/backup.ts, config/parse.ts). */
import * as fs from "fs";
import * as path from "path";
import { PROJECT_DIR } from "./backup";
import { parseStackConfig } from "./parse";

type Raw = Record<string, unknown>;
const URL = "postgres://app:pw@db:5432/app";

function valid(): Raw {
    return {
        activeColor: "blue",
        colors: { blue: { version: "1.0.0" }, green: { version: "1.1.0" } },
        app: { image: "registry.example.com/team/app" },
        backup: { target: { type: "local", root: "/var/backups/sy" }, postgres: [{ name: "app" }] },
        backupSecrets: { app: URL },
    };
}
const S3 = { type: "s3", bucket: "sy-snapshots" };
const parse = (raw: Raw, secret = ["backupSecrets"]) => parseStackConfig("prod", raw, new Set(secret));

test("defaults: keep-newest-30 applied downstream, base volume image, migration timeout 600", () => {
    const r = parse({ ...valid(), migration: { command: ["npm", "run", "migrate"] } });
    if (!r.ok) throw new Error(r.errors.join("\n"));
    expect(r.config.backup).toEqual({
        target: { type: "local", root: "/var/backups/sy" },
        postgres: [{ name: "app" }],
        mysql: [],
        volumes: [],
        volumeImage: "switchyard/base:bookworm",
        retention: {},
    });
    expect(r.config.migration).toEqual({ command: ["npm", "run", "migrate"], timeoutSeconds: 600 });
    expect(r.backupSecrets).toEqual({ app: URL });
    expect(JSON.stringify(r.config)).not.toContain("pw@");
});

test("no backup key: no backup in the config, empty plain backupSecrets map accepted", () => {
    const raw = valid();
    delete raw.backup;
    raw.backupSecrets = {};
    const r = parse(raw, []);
    if (!r.ok) throw new Error(r.errors.join("\n"));
    expect(r.config.backup).toBeUndefined();
    expect(r.config.migration).toBeUndefined();
});

test("numbers as `config set --path` stores them", () => {
    const raw = valid();
    (raw.backup as Raw).retention = { keepLast: "7", keepWithinDays: "1.5" };
    const r = parse(raw);
    if (!r.ok) throw new Error(r.errors.join("\n"));
    expect(r.config.backup?.retention).toEqual({ keepLast: 7, keepWithinDays: 1.5 });
});

test.each(["15 3 * * *", "* * * * *", "*/5 0-6,22 1 1-12/2 0", " 0 */2 * * 1-5 "])(
    "schedule cron %j accepted, defaults applied",
    (cron) => {
        const raw = valid();
        (raw.backup as Raw).schedule = { cron, keepLast: "5" };
        const r = parse(raw);
        if (!r.ok) throw new Error(r.errors.join("\n"));
        expect(r.config.backup?.schedule).toEqual({
            cron: cron.trim(),
            keepLast: 5,
            maxAgeMinutes: 1560,
            alertForSeconds: 300,
            image: "switchyard/backup-runner:local",
        });
    },
);

test.each<[string, (r: Raw) => void, string[] | undefined, RegExp]>([
    ["plain-text secrets", () => undefined, [], /^switchyard:backupSecrets: is stored in plain text; database URLs must be Pulumi secrets/],
    [
        "a source without URL",
        (r) => {
            r.backupSecrets = {};
        },
        undefined,
        /^switchyard:backupSecrets\.app: missing; backup\.postgres lists 'app'.*pulumi config set --secret --path 'backupSecrets\.app'/,
    ],
    [
        "an unused secret",
        (r) => {
            r.backupSecrets = { app: URL, other: URL };
        },
        undefined,
        /^switchyard:backupSecrets\.other: no backup\.postgres source is named 'other'/,
    ],
    [
        "a secret that is not a URL",
        (r) => {
            r.backupSecrets = { app: "hunter2" };
        },
        undefined,
        /^switchyard:backupSecrets\.app: must be a database URL .*got a secret value that is not/,
    ],
    [
        "empty root",
        (r) => {
            (r.backup as Raw).target = { type: "local", root: "" };
        },
        undefined,
        /^switchyard:backup\.target\.root: must be a directory path such as \/var\/backups\/switchyard or \.switchyard\/backups\/local/,
    ],
    [
        "unknown target type",
        (r) => {
            (r.backup as Raw).target = { type: "ftp" };
        },
        undefined,
        /^switchyard:backup\.target\.type: must be \{type: local, root: \/abs\/dir\} or \{type: s3/,
    ],
    [
        "no source",
        (r) => {
            (r.backup as Raw).postgres = [];
            r.backupSecrets = {};
        },
        [],
        /^switchyard:backup\.postgres: must list at least one source/,
    ],
    [
        "bad source name",
        (r) => {
            (r.backup as Raw).postgres = [{ name: "my db" }];
        },
        undefined,
        /^switchyard:backup\.postgres\[0\]\.name: must be 1-63 letters/,
    ],
    [
        "keepLast 0",
        (r) => {
            (r.backup as Raw).retention = { keepLast: 0 };
        },
        undefined,
        /^switchyard:backup\.retention\.keepLast: must be at least 1 \(got 0\)/,
    ],
    [
        "unknown backup key",
        (r) => {
            (r.backup as Raw).scheduel = { cron: "* * * * *" };
        },
        undefined,
        /^switchyard:backup\.scheduel: unknown key .*allowed keys here: target, postgres, mysql, volumes, volumeImage, retention, schedule/,
    ],
    [
        "schedule not a cron",
        (r) => {
            (r.backup as Raw).schedule = { cron: "daily" };
        },
        undefined,
        /^switchyard:backup\.schedule\.cron: must be a 5-field cron expression .*e\.g\. "15 3 \* \* \*"/,
    ],
    [
        "schedule with six fields",
        (r) => {
            (r.backup as Raw).schedule = { cron: "0 15 3 * * *" };
        },
        undefined,
        /^switchyard:backup\.schedule\.cron: must be a 5-field cron expression/,
    ],
    [
        "schedule keepLast 0",
        (r) => {
            (r.backup as Raw).schedule = { cron: "15 3 * * *", keepLast: 0 };
        },
        undefined,
        /^switchyard:backup\.schedule\.keepLast: must be at least 1 \(got 0\)/,
    ],
    [
        "migration command not a list",
        (r) => {
            r.migration = { command: "npm run migrate" };
        },
        undefined,
        /^switchyard:migration\.command: must be a list of strings \(argv\)/,
    ],
    [
        "migration command empty",
        (r) => {
            r.migration = { command: [] };
        },
        undefined,
        /^switchyard:migration\.command: must have at least the program to run/,
    ],
    [
        "migration without backup",
        (r) => {
            delete r.backup;
            r.backupSecrets = {};
            r.migration = { command: ["x"] };
        },
        [],
        /^switchyard:migration: needs switchyard:backup/,
    ],
    [
        "createBucket not a boolean",
        (r) => {
            (r.backup as Raw).target = { ...S3, createBucket: "yes" };
        },
        undefined,
        /^switchyard:backup\.target\.createBucket: must be true or false \(got "yes"\)/,
    ],
    [
        "unknown encryption",
        (r) => {
            (r.backup as Raw).target = { ...S3, createBucket: true, encryption: "none" };
        },
        undefined,
        /^switchyard:backup\.target\.encryption: must be aws:kms or AES256 \(got "none"\)/,
    ],
    [
        "kmsKeyId with AES256",
        (r) => {
            (r.backup as Raw).target = { ...S3, createBucket: true, encryption: "AES256", kmsKeyId: "alias/backups" };
        },
        undefined,
        /^switchyard:backup\.target\.kmsKeyId: only applies to encryption: aws:kms \(encryption is AES256\).*\(got "alias\/backups"\)/,
    ],
    [
        "kmsKeyId for an existing bucket",
        (r) => {
            (r.backup as Raw).target = { ...S3, kmsKeyId: "alias/backups" };
        },
        undefined,
        /^switchyard:backup\.target\.kmsKeyId: only applies when switchyard creates the bucket \(createBucket: true\)/,
    ],
    [
        "a bad kmsKeyId",
        (r) => {
            (r.backup as Raw).target = { ...S3, createBucket: true, kmsKeyId: "my key" };
        },
        undefined,
        /^switchyard:backup\.target\.kmsKeyId: must be a KMS key id, alias\/NAME or a key\/alias ARN \(got "my key"\)/,
    ],
    [
        "credentials in the target",
        (r) => {
            (r.backup as Raw).target = { ...S3, accessKeyId: "AKIA" };
        },
        undefined,
        /^switchyard:backup\.target\.accessKeyId: unknown key \(got "AKIA"\).*pulumi config rm --path 'backup\.target\.accessKeyId'/,
    ],
])("%s is refused with a message naming key and fix", (_what, patch, secret, message) => {
    const raw = valid();
    patch(raw);
    const r = parse(raw, secret);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatch(message);
    expect(r.errors.join("\n")).not.toContain("pw@");
});

test("s3 target: createBucket off by default; when on, aws:kms unless AES256 is asked for", () => {
    const raw = valid();
    (raw.backup as Raw).target = { ...S3 };
    let r = parse(raw);
    if (!r.ok) throw new Error(r.errors.join("\n"));
    // The prefix defaults to the stack's name, so stacks sharing a bucket stay apart.
    const defaults = { type: "s3", bucket: "sy-snapshots", prefix: "prod/", region: "us-east-1", forcePathStyle: false };
    expect(r.config.backup?.target).toEqual({ ...defaults, createBucket: false, encryption: "aws:kms" });
    (raw.backup as Raw).target = {
        ...S3,
        createBucket: "true",
        encryption: "AES256",
        endpoint: "http://127.0.0.1:9000",
        forcePathStyle: "true",
    };
    r = parse(raw);
    if (!r.ok) throw new Error(r.errors.join("\n"));
    expect(r.config.backup?.target).toEqual({
        ...defaults,
        endpoint: "http://127.0.0.1:9000",
        forcePathStyle: true,
        createBucket: true,
        encryption: "AES256",
    });
});

test.each([
    ["unset: the stack's own prefix", undefined, "prod/"],
    ["set: kept as given", "snapshots/", "snapshots/"],
    ["empty: kept (the whole bucket, shared with other stacks; manifests still tell them apart)", "", ""],
])("s3 prefix %s", (_what, prefix, expected) => {
    const raw = valid();
    (raw.backup as Raw).target = { ...S3, ...(prefix !== undefined ? { prefix } : {}) };
    const r = parse(raw);
    if (!r.ok) throw new Error(r.errors.join("\n"));
    expect(r.config.backup?.target).toMatchObject({ type: "s3", prefix: expected });
});

test("local target: the root is kept as given (no per-stack subdirectory)", () => {
    const r = parse(valid());
    if (!r.ok) throw new Error(r.errors.join("\n"));
    expect(r.config.backup?.target).toEqual({ type: "local", root: "/var/backups/sy" });
});

test.each([
    ["backups", "backups"],
    [".switchyard/backups/local", ".switchyard/backups/local"],
    ["./a/../b", "b"],
])("local target: a relative root %s is taken from the project directory", (root, under) => {
    const raw = valid();
    (raw.backup as Raw).target = { type: "local", root };
    const r = parse(raw);
    if (!r.ok) throw new Error(r.errors.join("\n"));
    expect(r.config.backup?.target).toEqual({ type: "local", root: path.join(PROJECT_DIR, under) });
    expect(fs.existsSync(path.join(PROJECT_DIR, "Pulumi.yaml"))).toBe(true);
});

test("mysql sources: URL from backupSecrets, must be mysql://; names distinct from postgres", () => {
    const raw = valid();
    (raw.backup as Raw).mysql = [{ name: "shop", container: "shop-db" }];
    raw.backupSecrets = { app: URL, shop: "mysql://shop:pw@db:3306/shop" };
    let r = parse(raw);
    if (!r.ok) throw new Error(r.errors.join("\n"));
    expect(r.config.backup?.mysql).toEqual([{ name: "shop", container: "shop-db" }]);
    expect(r.backupSecrets).toEqual({ app: URL, shop: "mysql://shop:pw@db:3306/shop" });
    raw.backupSecrets = { app: URL, shop: URL };
    r = parse(raw);
    expect(r.ok ? [] : r.errors).toEqual([
        expect.stringMatching(
            /^switchyard:backupSecrets\.shop: backup\.mysql 'shop' needs a database URL mysql:\/\/user:password@host:port\/db \(got a secret value that is not\)$/,
        ),
    ]);
    raw.backupSecrets = { app: URL };
    r = parse(raw);
    expect(r.ok ? [] : r.errors).toEqual([
        expect.stringMatching(
            /^switchyard:backupSecrets\.shop: missing; backup\.mysql lists 'shop'.*mysql:\/\/user:password@host:3306\/db$/,
        ),
    ]);
    (raw.backup as Raw).mysql = [{ name: "app" }];
    raw.backupSecrets = { app: URL };
    r = parse(raw);
    expect(r.ok ? [] : r.errors).toEqual([expect.stringMatching(/^switchyard:backup\.mysql\[0\]\.name: is also a backup\.postgres name/)]);
});
