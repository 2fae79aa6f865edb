/** switchyard:database validation against backup and backupSecrets (config/database.ts, config/parse.ts). */
import { parseStackConfig } from "./parse";

type Raw = Record<string, unknown>;
const URL = "postgres://app:pw@127.0.0.1:5432/app";

function valid(): Raw {
    return {
        activeColor: "blue",
        colors: { blue: { version: "1.0.0" }, green: { version: "1.1.0" } },
        app: { image: "registry.example.com/team/app" },
        database: { postgres: { source: "app" } },
        backup: { target: { type: "local", root: "/var/backups/sy" }, postgres: [{ name: "app" }, { name: "other", container: "x" }] },
        backupSecrets: { app: URL, other: "postgres://u:p@db:5432/o" },
    };
}
const parse = (raw: Raw) => parseStackConfig("prod", raw, new Set(["backupSecrets"]));

test("the database runs as <stack>-postgres with its volume; its backup source's pg_dump runs inside it", () => {
    const r = parse(valid());
    if (!r.ok) throw new Error(r.errors.join("\n"));
    expect(r.config.database).toEqual({
        postgres: { source: "app", image: "switchyard/postgres:local" },
        containerName: "prod-postgres",
        volumeName: "prod-postgres-data",
    });
    expect(r.config.backup?.postgres).toEqual([
        { name: "app", container: "prod-postgres" },
        { name: "other", container: "x" },
    ]);
    expect(JSON.stringify(r.config)).not.toContain("pw@");
});

test("unset or {}: no database, the backup sources as given", () => {
    for (const database of [undefined, {}]) {
        const r = parse({ ...valid(), database });
        if (!r.ok) throw new Error(r.errors.join("\n"));
        expect(r.config.database).toBeUndefined();
        expect(r.config.backup?.postgres[0]).toEqual({ name: "app" });
    }
});

test.each<[string, (r: Raw) => void, RegExp]>([
    [
        "no backup",
        (r) => {
            delete r.backup;
            r.backupSecrets = {};
        },
        /^switchyard:database\.postgres\.source: needs switchyard:backup with a postgres source 'app'/,
    ],
    [
        "a source backup does not list",
        (r) => {
            (r.database as Raw).postgres = { source: "shop" };
        },
        /^switchyard:database\.postgres\.source: no backup\.postgres source is named 'shop' \(sources: app, other\)/,
    ],
    [
        "the source's snapshot set to run in another container",
        (r) => {
            ((r.backup as Raw).postgres as Raw[])[0].container = "elsewhere";
        },
        /^switchyard:backup\.postgres\[0\]\.container: is 'elsewhere', but source 'app' is the stack's database, container 'prod-postgres'/,
    ],
    [
        "a URL on another host",
        (r) => {
            r.backupSecrets = { app: "postgres://app:pw@db:5432/app", other: "postgres://u:p@db:5432/o" };
        },
        /^switchyard:backupSecrets\.app: must name the container's own address, 127\.0\.0\.1:5432/,
    ],
    [
        "a URL without a password",
        (r) => {
            r.backupSecrets = { app: "postgres://app@127.0.0.1:5432/app", other: "postgres://u:p@db:5432/o" };
        },
        /^switchyard:backupSecrets\.app: must give a user, a password and a database/,
    ],
    [
        "an image without a tag",
        (r) => {
            (r.database as Raw).postgres = { source: "app", image: "switchyard/postgres" };
        },
        /^switchyard:database\.postgres\.image: must be an image reference with an explicit tag/,
    ],
])("refused: %s", (_, edit, message) => {
    const raw = valid();
    edit(raw);
    const r = parse(raw);
    expect(r.ok).toBe(false);
    if (!r.ok) {
        expect(r.errors.some((e) => message.test(e))).toBe(true);
        expect(r.errors.join("\n")).not.toContain(":pw@");
    }
});
