/**
 * MySQL/MariaDB sources of the backup tool against a real MariaDB started here (Debian's
 * mariadb-server, private instance in a temp dir): snapshot, verify, mutate, restore, rows equal;
 * restore into another database; server down fails naming the source; the password never in argv.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import * as os from "os";
import * as path from "path";
import { verifySnapshot } from "../../domain/backup/manifest";
import { mysqlConnectionFromUrl } from "./mysql";
import { MariaDb, runCli, startMariaDb } from "../../test/support/backup";

jest.setTimeout(180_000);

let my: MariaDb;
let root: string;

const SCHEMA = `
CREATE DATABASE shop;
USE shop;
CREATE TABLE customers (id INT AUTO_INCREMENT PRIMARY KEY, email VARCHAR(100) UNIQUE NOT NULL) ENGINE=InnoDB;
CREATE TABLE orders (id BIGINT AUTO_INCREMENT PRIMARY KEY, customer_id INT NOT NULL, amount DECIMAL(10,2) NOT NULL, note TEXT,
  blob_data VARBINARY(64), FOREIGN KEY (customer_id) REFERENCES customers(id)) ENGINE=InnoDB;
INSERT INTO customers (email) SELECT CONCAT('c', seq, '@example.com') FROM seq_1_to_500;
INSERT INTO orders (customer_id, amount, note, blob_data) SELECT 1 + (seq % 500), (seq % 1000) / 7, MD5(seq), UNHEX(MD5(seq)) FROM seq_1_to_5000;
INSERT INTO orders (customer_id, amount, note) VALUES (1, 1.00, 'quote '' tab\\t newline\\n backslash \\\\ done');
`;

/** A fingerprint of all rows of the shop database (plus the next auto-increment of orders). */
const fingerprint = (db = "shop") =>
    my.sql(
        `SELECT MD5(CONCAT(
     (SELECT GROUP_CONCAT(CONCAT_WS('|', id, email) ORDER BY id SEPARATOR ',') FROM customers),
     (SELECT GROUP_CONCAT(CONCAT_WS('|', id, customer_id, amount, note, HEX(blob_data)) ORDER BY id SEPARATOR ',') FROM orders)))`,
        db,
    );
const counts = (db = "shop") => my.sql("SELECT CONCAT((SELECT COUNT(*) FROM customers), '/', (SELECT COUNT(*) FROM orders))", db);

function config(extra: Record<string, unknown> = {}) {
    return {
        stack: "test",
        target: { type: "local", root },
        mysql: [{ name: "shop", urlEnv: "SHOP_DB_URL" }],
        release: { deploymentId: "dep-my-1", versionsBefore: { blue: "1.0.0" }, versionsAfter: { blue: "1.1.0" }, commit: null },
        ...extra,
    };
}
const envFor = (cfg: object) => ({ SWITCHYARD_BACKUP_CONFIG: JSON.stringify(cfg), SHOP_DB_URL: my.url("shop") });

beforeAll(async () => {
    my = await startMariaDb();
    // group_concat_max_len is per session: raise it globally so fingerprints cover every row.
    my.sql("SET GLOBAL group_concat_max_len = 67108864;");
    my.sql(SCHEMA);
    root = mkdtempSync(path.join(os.tmpdir(), "sy-my-snap-"));
});
afterAll(async () => {
    await my?.destroy();
    if (root) rmSync(root, { recursive: true, force: true });
});

test("the password goes to MYSQL_PWD, never into argv", () => {
    const c = mysqlConnectionFromUrl("mysql://app:p%40ss%20w0rd@db.internal:3307/shop", "shop");
    expect(c.args).toEqual(["--protocol=TCP", "--host=db.internal", "--port=3307", "--user=app"]);
    expect(c.env).toEqual({ MYSQL_PWD: "p@ss w0rd" });
    expect(c.display).toBe("db.internal:3307/shop");
    expect(() => mysqlConnectionFromUrl("postgres://a:b@h/db", "x")).toThrow(
        "mysql 'x': the database URL must start with mysql:// or mariadb://, got 'postgres://'",
    );
    expect(() => mysqlConnectionFromUrl("mysql://a:b@h:1/", "x")).toThrow(/names no database/);
});

test("snapshot, verify, mutate, restore: rows compare equal", async () => {
    const before = fingerprint();
    expect(counts()).toBe("500/5001");
    const t0 = Date.now();
    const snap = await runCli(["snapshot"], envFor(config()));
    const snapshotMs = Date.now() - t0;
    expect(snap.stderr).not.toContain(my.password);
    expect(snap.code).toBe(0);
    const out = JSON.parse(snap.stdout.trim());
    expect(out.location).toBe(path.join(root, out.snapshotId));
    const v = await verifySnapshot(out.location, out.snapshotId);
    expect(v.ok).toBe(true);
    expect(v.manifest!.sources).toEqual([
        { kind: "mysql", name: "shop", file: "mysql-shop.sql", database: "shop", via: "host" },
        { kind: "metadata", name: "release", file: "release.json" },
    ]);
    const dump = readFileSync(path.join(out.location, "mysql-shop.sql"), "utf8");
    expect(dump).toContain("CREATE TABLE `orders`");
    expect(dump).not.toContain(my.password);

    my.sql("DELETE FROM orders WHERE id > 100; UPDATE customers SET email = 'x' WHERE id = 1; CREATE TABLE extra (id INT);", "shop");
    expect(counts()).toBe("500/100");
    expect(fingerprint()).not.toBe(before);

    const t1 = Date.now();
    const r = await runCli(["restore", "latest", "--yes", "--json"], envFor(config()));
    const restoreMs = Date.now() - t1;
    expect(r.stderr).not.toContain(my.password);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout.trim())).toEqual({
        snapshotId: out.snapshotId,
        databases: [
            { name: "shop", kind: "mysql", target: `127.0.0.1:${my.port}/shop`, tables: { customers: 500, extra: 0, orders: 5001 } },
        ],
        volumes: [],
    });
    expect(fingerprint()).toBe(before);
    // Tables not in the dump are left alone (like pg_restore --clean).
    expect(my.sql("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'shop' AND table_name = 'extra'")).toBe("1");
    console.log(`mysql: snapshot ${snapshotMs} ms (${out.totalBytes} bytes), restore ${restoreMs} ms`);
});

test("restore into another database (--into), the source untouched", async () => {
    my.sql("CREATE DATABASE shop_copy;");
    const r = await runCli(["restore", "latest", "--yes", "--into", "shop=COPY_URL"], {
        ...envFor(config()),
        COPY_URL: my.url("shop_copy"),
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`restored mysql 'shop' into 127.0.0.1:${my.port}/shop_copy: 2 tables`);
    expect(r.stdout).toContain("orders: 5001 rows");
    expect(fingerprint("shop_copy")).toBe(fingerprint("shop"));
});

test("a corrupted dump is refused before anything changes", async () => {
    const list = await runCli(["list", "--json"], envFor(config()));
    const [{ id }] = JSON.parse(list.stdout.trim());
    const file = path.join(root, id, "mysql-shop.sql");
    const bytes = readFileSync(file);
    bytes[bytes.length >> 1] ^= 0x01;
    writeFileSync(file, bytes);
    my.sql("DELETE FROM orders WHERE id = 5;", "shop");
    const r = await runCli(["restore", id, "--yes"], envFor(config()));
    expect(r.code).toBe(4);
    expect(r.stderr).toContain(`refusing to restore snapshot '${id}'`);
    expect(counts()).toBe("500/5000");
});

test("server down: the snapshot fails naming the source, nothing is published", async () => {
    const before = (await runCli(["list", "--json"], envFor(config()))).stdout;
    await my.stop();
    try {
        const r = await runCli(
            ["snapshot"],
            envFor(config({ release: { deploymentId: "dep-my-down", versionsBefore: {}, versionsAfter: {}, commit: null } })),
        );
        expect(r.code).toBe(1);
        expect(r.stderr).toMatch(/^error: backup source mysql 'shop' failed: .*(Can't connect|2002|2003)/m);
        expect(r.stderr).not.toContain(my.password);
        expect(r.stdout).toBe("");
    } finally {
        await my.start();
    }
    expect((await runCli(["list", "--json"], envFor(config()))).stdout).toBe(before);
});

test("a missing URL variable fails naming the source before anything is written", async () => {
    const r = await runCli(["snapshot"], { SWITCHYARD_BACKUP_CONFIG: JSON.stringify(config()) });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("backup source mysql 'shop' failed: mysql 'shop': environment variable SHOP_DB_URL is not set");
});
