/**
 * The backup tool against a real PostgreSQL 15 cluster started here, and real Docker
 * volumes: snapshot, verify, mutate, restore, corruption, database down, docker-exec
 * mode, restore into another database, retention over 35 releases.
 */
import { execFileSync, spawnSync } from "child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, cpSync } from "fs";
import * as os from "os";
import * as path from "path";
import { verifySnapshot, MANIFEST_FILE } from "../../domain/backup/manifest";
import { main } from "./tool";
import { PgCluster, ensureBusyboxImage, quietIo, runCli, startPostgres } from "../../test/support/backup";

jest.setTimeout(180_000);

let pg: PgCluster;
let root: string;
let image: string;
const volume = `sy-test-uploads-${process.pid}`;

const SCHEMA = `
CREATE TABLE customers (id serial PRIMARY KEY, email text UNIQUE NOT NULL, created timestamptz NOT NULL DEFAULT now());
CREATE TABLE orders (id bigserial PRIMARY KEY, customer_id int NOT NULL REFERENCES customers(id), amount numeric(10,2) NOT NULL, note text);
CREATE TABLE blobs (id int PRIMARY KEY, data bytea NOT NULL);
INSERT INTO customers (email) SELECT 'c' || g || '@example.com' FROM generate_series(1, 500) g;
INSERT INTO orders (customer_id, amount, note) SELECT 1 + (g % 500), (g % 1000) / 7.0, md5(g::text) FROM generate_series(1, 5000) g;
INSERT INTO blobs SELECT g, decode(repeat(md5(g::text), 20), 'hex') FROM generate_series(1, 50) g;
`;

/** A fingerprint of all data (and the sequences) of the app database. */
function fingerprint(db = "app"): string {
    return pg.sql(
        `SELECT md5(
       (SELECT coalesce(string_agg(format('%s|%s|%s', id, email, created), ',' ORDER BY id), '') FROM customers) ||
       (SELECT coalesce(string_agg(format('%s|%s|%s|%s', id, customer_id, amount, note), ',' ORDER BY id), '') FROM orders) ||
       (SELECT coalesce(string_agg(format('%s|%s', id, md5(data)), ',' ORDER BY id), '') FROM blobs) ||
       (SELECT last_value::text FROM orders_id_seq))`,
        db,
    );
}
const counts = (db = "app") =>
    pg.sql("SELECT (SELECT count(*) FROM customers) || '/' || (SELECT count(*) FROM orders) || '/' || (SELECT count(*) FROM blobs)", db);

function docker(args: string[], input?: string): string {
    return execFileSync("docker", args, { input, encoding: "utf8" });
}
const volumeListing = () =>
    docker(["run", "--rm", "-v", `${volume}:/v:ro`, image, "sh", "-c", "cd /v && find . -type f | sort | xargs md5sum"]);

function config(extra: Record<string, unknown> = {}) {
    return {
        stack: "test",
        target: { type: "local", root },
        postgres: [{ name: "app", urlEnv: "APP_DB_URL" }],
        volumes: [{ name: "uploads", volume }],
        volumeImage: image,
        release: {
            deploymentId: "dep-1",
            versionsBefore: { blue: "1.0.0", green: "1.0.0" },
            versionsAfter: { blue: "1.0.0", green: "1.1.0" },
            commit: "abc123",
        },
        ...extra,
    };
}
const envFor = (cfg: object, more: Record<string, string> = {}) => ({
    SWITCHYARD_BACKUP_CONFIG: JSON.stringify(cfg),
    APP_DB_URL: pg.url("app"),
    ...more,
});

beforeAll(async () => {
    pg = await startPostgres();
    pg.sql("CREATE DATABASE app");
    pg.sql(SCHEMA, "app");
    image = ensureBusyboxImage();
    docker(["volume", "create", volume]);
    docker([
        "run",
        "--rm",
        "-i",
        "-v",
        `${volume}:/v`,
        image,
        "sh",
        "-c",
        "mkdir -p /v/img && echo hello > /v/a.txt && head -c 100000 /dev/urandom > /v/img/b.bin && echo hidden > /v/.dot",
    ]);
    root = mkdtempSync(path.join(os.tmpdir(), "sy-snapshots-"));
});

afterAll(() => {
    pg?.destroy();
    spawnSync("docker", ["volume", "rm", "-f", volume]);
    if (root) rmSync(root, { recursive: true, force: true });
});

let first: { snapshotId: string; location: string; totalBytes: number; manifestSha256: string };
let originalFingerprint: string;
let originalVolume: string;

describe("snapshot and restore on real PostgreSQL", () => {
    test("snapshot prints one JSON line, and the snapshot verifies and holds exactly the data", async () => {
        originalFingerprint = fingerprint();
        originalVolume = volumeListing();
        const r = await runCli(["snapshot"], envFor(config()));
        expect(r.stderr).not.toMatch(/error/);
        expect(r.code).toBe(0);
        const lines = r.stdout.trim().split("\n");
        expect(lines).toHaveLength(1);
        first = JSON.parse(lines[0]);
        expect(Object.keys(first).sort()).toEqual(["location", "manifestSha256", "snapshotId", "totalBytes"]);
        expect(first.snapshotId).toMatch(/^\d{8}T\d{9}Z-dep-1$/);
        expect(first.location).toBe(path.join(root, first.snapshotId));
        // the password never shows up
        expect(r.stdout + r.stderr).not.toContain(pg.password);

        const v = await verifySnapshot(first.location, first.snapshotId);
        expect(v.problems).toEqual([]);
        expect(v.manifestSha256).toBe(first.manifestSha256);
        expect(v.totalBytes).toBe(first.totalBytes);
        const m = v.manifest!;
        expect(m.files.map((f) => f.path)).toEqual(["postgres-app.dump", "release.json", "volume-uploads.tar"]);
        expect(m).toMatchObject({ stack: "test", deploymentId: "dep-1", commit: "abc123", versionsAfter: { green: "1.1.0" } });
        expect(m.sources).toEqual([
            { kind: "postgres", name: "app", file: "postgres-app.dump", database: "app", via: "host" },
            { kind: "volume", name: "uploads", file: "volume-uploads.tar", volume },
            { kind: "metadata", name: "release", file: "release.json" },
        ]);
        expect(readdirSync(root)).toEqual([first.snapshotId]); // no staging left over
        expect(readFileSync(path.join(first.location, "postgres-app.dump")).subarray(0, 5).toString()).toBe("PGDMP");
        expect(JSON.stringify(m)).not.toContain(pg.password);

        // The dump holds exactly the data: load it into a scratch database and compare.
        pg.sql("CREATE DATABASE dumpcheck");
        execFileSync(
            path.join(pg.bin, "pg_restore"),
            ["-h", "127.0.0.1", "-p", String(pg.port), "-U", "postgres", "-d", "dumpcheck", path.join(first.location, "postgres-app.dump")],
            {
                env: { ...process.env, PGPASSWORD: pg.password },
            },
        );
        expect(fingerprint("dumpcheck")).toBe(originalFingerprint);
        // The tar holds exactly the volume's files.
        const listing = execFileSync("tar", ["-tf", path.join(first.location, "volume-uploads.tar")], { encoding: "utf8" })
            .split("\n")
            .filter(Boolean)
            .sort();
        expect(listing).toEqual(["./", "./.dot", "./a.txt", "./img/", "./img/b.bin"]);
    });

    test("restore without --yes: a 'no' answer changes nothing, 'yes' restores", async () => {
        pg.sql("DELETE FROM orders WHERE id > 100", "app");
        const before = fingerprint();
        const r = await runCli(["restore", "latest"], envFor(config()), "no\n");
        expect(r.code).toBe(3);
        expect(r.stderr).toContain("restore cancelled: nothing was changed");
        expect(fingerprint()).toBe(before);
        const r2 = await runCli(["restore", "latest"], envFor(config()), "yes\n");
        expect(r2.code).toBe(0);
        expect(r2.stderr).toContain("type 'yes' to continue");
        expect(fingerprint()).toBe(originalFingerprint);
    });

    test("mutate, restore latest --yes: rows and volume files compare equal", async () => {
        pg.sql(
            "UPDATE customers SET email = 'x' || email WHERE id < 50; DELETE FROM blobs; INSERT INTO orders (customer_id, amount) VALUES (1, 1), (2, 2);",
            "app",
        );
        docker([
            "run",
            "--rm",
            "-v",
            `${volume}:/v`,
            image,
            "sh",
            "-c",
            "echo changed > /v/a.txt && rm -rf /v/img && echo new > /v/new.txt",
        ]);
        expect(fingerprint()).not.toBe(originalFingerprint);
        expect(volumeListing()).not.toBe(originalVolume);

        const r = await runCli(["restore", "latest", "--yes"], envFor(config()));
        expect(r.stderr).not.toMatch(/error/);
        expect(r.code).toBe(0);
        expect(fingerprint()).toBe(originalFingerprint);
        expect(counts()).toBe("500/5000/50");
        expect(volumeListing()).toBe(originalVolume);
        expect(r.stdout).toContain(`restored postgres 'app' into 127.0.0.1:${pg.port}/app: 3 tables`);
        expect(r.stdout).toContain("  public.orders: 5000 rows");
        expect(r.stdout).toContain("  public.customers: 500 rows");
        expect(r.stdout).toContain("  public.blobs: 50 rows");
        expect(r.stdout).toMatch(/restored volume 'uploads' into sy-test-uploads-\d+: 4 entries, \d+ KiB \(archive \d+ bytes\)/);
        expect(r.stdout + r.stderr).not.toContain(pg.password);
    });

    test("restore --json --into another database named by an env var", async () => {
        pg.sql("CREATE DATABASE app_copy");
        const r = await runCli(
            ["restore", first.snapshotId, "--yes", "--json", "--source", "app", "--into", "app=COPY_URL"],
            envFor(config(), { COPY_URL: pg.url("app_copy") }),
        );
        expect(r.code).toBe(0);
        const out = JSON.parse(r.stdout);
        expect(out).toEqual({
            snapshotId: first.snapshotId,
            databases: [
                {
                    name: "app",
                    kind: "postgres",
                    target: `127.0.0.1:${pg.port}/app_copy`,
                    tables: { "public.blobs": 50, "public.customers": 500, "public.orders": 5000 },
                },
            ],
            volumes: [],
        });
        expect(fingerprint("app_copy")).toBe(originalFingerprint);
    });

    test("one corrupted byte: restore refuses, names the file, and nothing changes", async () => {
        const corruptId = "corrupt-copy";
        cpSync(first.location, path.join(root, corruptId), { recursive: true });
        const manifestPath = path.join(root, corruptId, MANIFEST_FILE);
        writeFileSync(manifestPath, readFileSync(manifestPath, "utf8").replace(first.snapshotId, corruptId));
        const dump = path.join(root, corruptId, "postgres-app.dump");
        const b = readFileSync(dump);
        b[Math.floor(b.length / 2)] ^= 0x20;
        writeFileSync(dump, b);

        pg.sql("DELETE FROM orders WHERE id % 2 = 0", "app");
        docker(["run", "--rm", "-v", `${volume}:/v`, image, "sh", "-c", "echo mutated > /v/a.txt"]);
        const dbBefore = fingerprint();
        const volBefore = volumeListing();

        const r = await runCli(["restore", corruptId, "--yes"], envFor(config()));
        expect(r.code).toBe(4);
        expect(r.stderr).toContain(`refusing to restore snapshot '${corruptId}': it does not verify, nothing was changed`);
        expect(r.stderr).toMatch(/postgres-app\.dump: sha256 [0-9a-f]{64}, manifest says [0-9a-f]{64}/);
        expect(fingerprint()).toBe(dbBefore);
        expect(volumeListing()).toBe(volBefore);

        // incomplete: a file missing
        rmSync(path.join(root, corruptId, "volume-uploads.tar"));
        const r2 = await runCli(["verify", corruptId], envFor(config()));
        expect(r2.code).toBe(4);
        expect(r2.stderr).toMatch(/volume-uploads\.tar: missing \(expected \d+ bytes\)/);
        const r3 = await runCli(["restore", corruptId, "--yes"], envFor(config()));
        expect(r3.code).toBe(4);
        expect(fingerprint()).toBe(dbBefore);
        expect(volumeListing()).toBe(volBefore);
        rmSync(path.join(root, corruptId), { recursive: true });
    });

    test("database down: snapshot fails naming the source, and leaves no snapshot behind", async () => {
        const before = readdirSync(root).sort();
        pg.stop();
        try {
            const r = await runCli(["snapshot"], envFor(config({ snapshotId: "db-down" })));
            expect(r.code).toBe(1);
            expect(r.stdout).toBe("");
            expect(r.stderr).toMatch(
                /backup source postgres 'app' failed: connection to server at "127\.0\.0\.1", port \d+ failed: Connection refused/,
            );
            expect(r.stderr).not.toContain(pg.password);
        } finally {
            pg.start();
        }
        expect(readdirSync(root).sort()).toEqual(before);
    });

    // Needs root to mount a tmpfs; the suite already starts PostgreSQL as the postgres user via runuser.
    (process.getuid?.() === 0 ? test : test.skip)("disk full: snapshot fails naming the source and leaves nothing behind", async () => {
        pg.sql("CREATE DATABASE big");
        pg.sql(
            "CREATE TABLE filler AS SELECT g AS id, md5(random()::text) || md5(random()::text) || md5(random()::text) || md5(random()::text) AS junk FROM generate_series(1, 40000) g",
            "big",
        );
        const small = mkdtempSync(path.join(os.tmpdir(), "sy-full-"));
        execFileSync("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", small]);
        try {
            const cfg = config({ target: { type: "local", root: small }, volumes: [], postgres: [{ name: "big", urlEnv: "BIG_URL" }] });
            const r = await runCli(["snapshot"], { ...envFor(cfg), BIG_URL: pg.url("big") });
            expect(r.code).toBe(1);
            expect(r.stderr).toContain("backup source postgres 'big' failed: ENOSPC: no space left on device");
            expect(readdirSync(small)).toEqual([]);
        } finally {
            execFileSync("umount", [small]);
            rmSync(small, { recursive: true, force: true });
        }
    });

    test("missing volume and missing URL variable name their source", async () => {
        const r = await runCli(["snapshot"], envFor(config({ volumes: [{ name: "gone", volume: "sy-no-such-volume" }] })));
        expect(r.code).toBe(1);
        expect(r.stderr).toContain("backup source volume 'gone' failed: docker volume 'sy-no-such-volume' not found");
        const r2 = await runCli(["snapshot"], { SWITCHYARD_BACKUP_CONFIG: JSON.stringify(config()) });
        expect(r2.code).toBe(1);
        expect(r2.stderr).toContain("backup source postgres 'app' failed: postgres 'app': environment variable APP_DB_URL is not set");
        const r3 = await runCli(["snapshot"], envFor(config(), { APP_DB_URL: pg.url("app").replace(pg.password, "wrong-password") }));
        expect(r3.code).toBe(1);
        expect(r3.stderr).toMatch(/backup source postgres 'app' failed: .*password authentication failed/);
        expect(r3.stderr).not.toContain("wrong-password");
        expect(readdirSync(root).filter((n) => n.startsWith("."))).toEqual([]);
    });

    test("docker exec mode: pg_dump and pg_restore run inside a container", async () => {
        // A container that can reach the private cluster and has the PostgreSQL client tools
        // (bind-mounted from this host: no image can be pulled here).
        const name = `sy-test-pgclient-${process.pid}`;
        const mounts = ["/usr", "/lib", "/lib64", "/etc/alternatives"].filter((p) => existsSync(p)).flatMap((p) => ["-v", `${p}:${p}:ro`]);
        docker(["run", "-d", "--name", name, "--network", "host", ...mounts, image, "sleep", "3600"]);
        try {
            const bin = pg.bin;
            const cfg = config({
                snapshotId: "via-docker",
                volumes: [],
                postgres: [
                    {
                        name: "app",
                        urlEnv: "APP_DB_URL",
                        container: name,
                        pgDump: `${bin}/pg_dump`,
                        pgRestore: `${bin}/pg_restore`,
                        psql: `${bin}/psql`,
                    },
                ],
            });
            const dbBefore = fingerprint();
            const r = await runCli(["snapshot"], envFor(cfg));
            expect(r.code).toBe(0);
            expect(r.stderr).toContain(`via docker exec ${name}`);
            const v = await verifySnapshot(path.join(root, "via-docker"), "via-docker");
            expect(v.ok).toBe(true);
            expect(v.manifest!.sources[0]).toEqual({
                kind: "postgres",
                name: "app",
                file: "postgres-app.dump",
                database: "app",
                via: "docker",
                container: name,
            });
            pg.sql("TRUNCATE orders", "app");
            const r2 = await runCli(["restore", "via-docker", "--yes"], envFor(cfg));
            expect(r2.code).toBe(0);
            expect(fingerprint()).toBe(dbBefore);
            // the password went through the environment only: not in the container's config
            expect(docker(["inspect", name])).not.toContain(pg.password);
        } finally {
            spawnSync("docker", ["rm", "-f", name]);
            rmSync(path.join(root, "via-docker"), { recursive: true, force: true });
        }
    });
});

describe("retention over 35 real releases", () => {
    test("prune keeps the newest 30 plus each colour's current and previous release", async () => {
        const rroot = mkdtempSync(path.join(os.tmpdir(), "sy-retention-"));
        try {
            const start = Date.parse("2025-03-01T00:00:00.000Z");
            const outLines: string[] = [];
            // Releases 1 and 3 change green; all others change blue.
            let blue = 0;
            let green = 0;
            const ids: string[] = [];
            for (let i = 1; i <= 35; i++) {
                const before = { blue: `1.${blue}.0`, green: `2.${green}.0` };
                if (i === 1 || i === 3) green++;
                else blue++;
                const after = { blue: `1.${blue}.0`, green: `2.${green}.0` };
                const cfg = {
                    ...config(),
                    volumes: [],
                    target: { type: "local", root: rroot },
                    release: { deploymentId: `rel-${i}`, versionsBefore: before, versionsAfter: after, commit: null },
                };
                const io = quietIo(outLines, envFor(cfg), start + i * 3600_000);
                expect(await main(["snapshot"], io)).toBe(0);
                ids.push(JSON.parse(outLines[outLines.length - 1]).snapshotId);
            }
            expect(readdirSync(rroot)).toHaveLength(35);
            const cfg = { ...config(), target: { type: "local", root: rroot }, retention: { keepLast: 30 } };
            const lines: string[] = [];
            const io = quietIo(lines, envFor(cfg), start + 40 * 3600_000);
            expect(await main(["prune", "--json"], io)).toBe(0);
            const summary = JSON.parse(lines[0]);
            // releases 2, 4, 5 are outside the newest 30 and unprotected; 1 and 3 are green's current and previous.
            expect(summary.pruned.sort()).toEqual([ids[1], ids[3], ids[4]].sort());
            const expected = ids.filter((_, k) => ![1, 3, 4].includes(k)).sort();
            expect(readdirSync(rroot).sort()).toEqual(expected);
            expect(expected).toHaveLength(32);
            // idempotent on the real target
            lines.length = 0;
            expect(await main(["prune", "--json"], io)).toBe(0);
            expect(JSON.parse(lines[0]).pruned).toEqual([]);
            expect(readdirSync(rroot)).toHaveLength(32);
            // every remaining snapshot still verifies
            for (const id of expected) expect((await verifySnapshot(path.join(rroot, id), id)).ok).toBe(true);
        } finally {
            rmSync(rroot, { recursive: true, force: true });
        }
    });
});

describe("a scheduled run and a release on the same database", () => {
    test("a pre-deploy snapshot cancels a scheduled run's dump in progress, and only that one (the release goes first)", async () => {
        const { spawn } = require("child_process") as typeof import("child_process");
        // Two busy sessions: one marked as a scheduled run's dump, one an ordinary client.
        const busy = (appName: string) => {
            const child = spawn(path.join(pg.bin, "psql"), ["-X", "-q", "-d", pg.url("app"), "-c", "SELECT pg_sleep(60)"], {
                env: { ...process.env, PGAPPNAME: appName },
            });
            let stderr = "";
            child.stderr.on("data", (d) => (stderr += d));
            return { child, done: new Promise<string>((resolve) => child.on("close", () => resolve(stderr))) };
        };
        const scheduled = busy("switchyard-scheduled-backup");
        const other = busy("someone-else");
        try {
            for (let i = 0; i < 50 && pg.sql("SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep%'") !== "2"; i++)
                await new Promise((r) => setTimeout(r, 100));
            const r = await runCli(["snapshot"], envFor(config({ kind: "pre-deploy", volumes: [] })));
            expect(r.code).toBe(0);
            expect(r.stderr).toContain("postgres 'app': cancelled 1 scheduled dump(s) in progress: the release goes first");
            expect(await scheduled.done).toContain("canceling statement due to user request");
            expect(pg.sql("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'someone-else' AND state = 'active'")).toBe("1");
        } finally {
            scheduled.child.kill();
            other.child.kill();
        }
    });
});
