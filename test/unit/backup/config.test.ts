/** switchyard:backup, switchyard:migration and switchyard:backupSecrets validation (config/backup.ts, config/parse.ts). */
import { parseStackConfig } from "../../../config/parse";

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
const parse = (raw: Raw, secret = ["backupSecrets"]) => parseStackConfig("prod", raw, new Set(secret));

test("defaults: keep-newest-30 applied downstream, base volume image, migration timeout 600", () => {
    const r = parse({ ...valid(), migration: { command: ["npm", "run", "migrate"] } });
    if (!r.ok) throw new Error(r.errors.join("\n"));
    expect(r.config.backup).toEqual({
        target: { type: "local", root: "/var/backups/sy" }, postgres: [{ name: "app" }], volumes: [],
        volumeImage: "switchyard/base:bookworm", retention: {},
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

test.each<[string, (r: Raw) => void, string[] | undefined, RegExp]>([
    ["plain-text secrets", () => undefined, [], /^switchyard:backupSecrets: is stored in plain text; database URLs must be Pulumi secrets/],
    ["a source without URL", (r) => { r.backupSecrets = {}; }, undefined, /^switchyard:backupSecrets\.app: missing; backup\.postgres lists 'app'.*pulumi config set --secret --path 'backupSecrets\.app'/],
    ["an unused secret", (r) => { r.backupSecrets = { app: URL, other: URL }; }, undefined, /^switchyard:backupSecrets\.other: no backup\.postgres source is named 'other'/],
    ["a secret that is not a URL", (r) => { r.backupSecrets = { app: "hunter2" }; }, undefined, /^switchyard:backupSecrets\.app: must be a database URL .*got a secret value that is not/],
    ["relative root", (r) => { (r.backup as Raw).target = { type: "local", root: "backups" }; }, undefined, /^switchyard:backup\.target\.root: must be an absolute directory path/],
    ["unknown target type", (r) => { (r.backup as Raw).target = { type: "ftp" }; }, undefined, /^switchyard:backup\.target\.type: must be \{type: local, root: \/abs\/dir\} or \{type: s3/],
    ["no source", (r) => { (r.backup as Raw).postgres = []; r.backupSecrets = {}; }, [], /^switchyard:backup\.postgres: must list at least one source/],
    ["bad source name", (r) => { (r.backup as Raw).postgres = [{ name: "my db" }]; }, undefined, /^switchyard:backup\.postgres\[0\]\.name: must be 1-63 letters/],
    ["keepLast 0", (r) => { (r.backup as Raw).retention = { keepLast: 0 }; }, undefined, /^switchyard:backup\.retention\.keepLast: must be at least 1 \(got 0\)/],
    ["unknown backup key", (r) => { (r.backup as Raw).schedule = "daily"; }, undefined, /^switchyard:backup\.schedule: unknown key \(got "daily"\); allowed keys here: target, postgres, volumes, volumeImage, retention/],
    ["migration command not a list", (r) => { r.migration = { command: "npm run migrate" }; }, undefined, /^switchyard:migration\.command: must be a list of strings \(argv\)/],
    ["migration command empty", (r) => { r.migration = { command: [] }; }, undefined, /^switchyard:migration\.command: must have at least the program to run/],
    ["migration without backup", (r) => { delete r.backup; r.backupSecrets = {}; r.migration = { command: ["x"] }; }, [], /^switchyard:migration: needs switchyard:backup/],
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
