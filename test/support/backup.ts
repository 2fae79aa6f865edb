/**
 * Test set-up for the backup tests: a private PostgreSQL 15 cluster (initdb + pg_ctl in a
 * temp dir, random port, password auth, run as the `postgres` user when we are root), a
 * tiny busybox image for volume tar, moto's S3 server, and a runner for the real CLI.
 */
import { execFileSync, spawn, spawnSync, ChildProcess } from "child_process";
import { mkdtempSync, rmSync, chownSync, writeFileSync, existsSync, readdirSync } from "fs";
import { freePort } from "./net";
import * as os from "os";
import * as path from "path";
import type { Io } from "../../runtime/backup/tool";

export const REPO = path.resolve(__dirname, "../..");
export const CLI = path.join(REPO, "runtime/backup.js");

function pgBin(): string {
    const base = "/usr/lib/postgresql";
    const versions = existsSync(base) ? readdirSync(base).sort((a, b) => Number(b) - Number(a)) : [];
    for (const v of versions) if (existsSync(path.join(base, v, "bin/initdb"))) return path.join(base, v, "bin");
    throw new Error("PostgreSQL server binaries not found under /usr/lib/postgresql (apt-get install postgresql)");
}

export { freePort } from "./net";

export interface PgCluster {
    port: number;
    password: string;
    bin: string;
    /** URL for database `db` as the superuser. */
    url(db?: string): string;
    /** Runs SQL with psql, returns unaligned tuples-only output. */
    sql(query: string, db?: string): string;
    stop(): void;
    start(): void;
    destroy(): void;
}

/**
 * initdb + pg_ctl start on 127.0.0.1:<random port>, scram password auth.
 * `listen`: more addresses to listen on (e.g. the docker0 gateway, so containers can connect);
 * password logins are then accepted from any address.
 */
export async function startPostgres(opts: { listen?: string[] } = {}): Promise<PgCluster> {
    const bin = pgBin();
    const dir = mkdtempSync(path.join(os.tmpdir(), "sy-pg-"));
    const asRoot = process.getuid?.() === 0;
    const wrap = (cmd: string, args: string[]): [string, string[]] =>
        asRoot ? ["runuser", ["-u", "postgres", "--", cmd, ...args]] : [cmd, args];
    const run = (cmd: string, args: string[]) => {
        const [c, a] = wrap(cmd, args);
        execFileSync(c, a, { stdio: "pipe" });
    };
    const password = "pw-" + Math.random().toString(36).slice(2, 10) + "-s3cr3t";
    const pwfile = path.join(dir, "pw");
    writeFileSync(pwfile, password + "\n", { mode: 0o600 });
    if (asRoot) {
        const uid = Number(execFileSync("id", ["-u", "postgres"]).toString().trim());
        const gid = Number(execFileSync("id", ["-g", "postgres"]).toString().trim());
        chownSync(dir, uid, gid);
        chownSync(pwfile, uid, gid);
    }
    const data = path.join(dir, "data");
    run(path.join(bin, "initdb"), ["-D", data, "-U", "postgres", "--auth=scram-sha-256", `--pwfile=${pwfile}`, "-E", "UTF8", "--no-sync"]);
    const port = await freePort();
    const listen = ["127.0.0.1", ...(opts.listen ?? [])].join(",");
    if (opts.listen?.length) {
        const hba = path.join(data, "pg_hba.conf");
        writeFileSync(hba, "host all all 0.0.0.0/0 scram-sha-256\n", { flag: "a" });
    }
    const pgOpts = `-c listen_addresses=${listen} -p ${port} -k ${dir} -c fsync=off -c full_page_writes=off -c synchronous_commit=off`;
    const start = () => run(path.join(bin, "pg_ctl"), ["-D", data, "-l", path.join(dir, "log"), "-w", "-t", "60", "-o", pgOpts, "start"]);
    const stop = () => run(path.join(bin, "pg_ctl"), ["-D", data, "-m", "fast", "-w", "stop"]);
    start();
    const url = (db = "postgres") => `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${db}`;
    const sql = (query: string, db = "postgres") => {
        const r = spawnSync(
            path.join(bin, "psql"),
            ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", String(port), "-U", "postgres", "-d", db],
            {
                input: query,
                env: { ...process.env, PGPASSWORD: password },
                encoding: "utf8",
            },
        );
        if (r.status !== 0) throw new Error(`psql failed: ${r.stderr}`);
        return r.stdout.trim();
    };
    let running = true;
    return {
        port,
        password,
        bin,
        url,
        sql,
        stop: () => {
            if (running) stop();
            running = false;
        },
        start: () => {
            if (!running) start();
            running = true;
        },
        destroy: () => {
            try {
                if (running) stop();
            } finally {
                running = false;
                rmSync(dir, { recursive: true, force: true });
            }
        },
    };
}

export interface CliResult {
    code: number;
    stdout: string;
    stderr: string;
}

/** Runs the real CLI with plain node. */
export function runCli(args: string[], env: Record<string, string | undefined>, input = ""): Promise<CliResult> {
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [CLI, ...args], {
            env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_PATH: process.env.NODE_PATH, ...env },
            stdio: "pipe",
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        child.on("error", reject);
        child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
        child.stdin.end(input);
    });
}

/** A minimal image with sh, tar and find for volume tests: busybox-static copied FROM scratch. */
export const TEST_IMAGE = "switchyard-test/busybox:1";
export function ensureBusyboxImage(): string {
    if (spawnSync("docker", ["image", "inspect", TEST_IMAGE], { stdio: "ignore" }).status === 0) return TEST_IMAGE;
    const busybox = ["/usr/bin/busybox", "/bin/busybox"].find((p) => existsSync(p));
    if (!busybox) throw new Error("busybox not found: apt-get install -y busybox-static (needed to build the test volume image)");
    const ctx = mkdtempSync(path.join(os.tmpdir(), "sy-bb-"));
    try {
        execFileSync("cp", [busybox, path.join(ctx, "busybox")]);
        writeFileSync(
            path.join(ctx, "Dockerfile"),
            'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "--install", "-s", "/bin"]\n',
        );
        execFileSync("docker", ["build", "-q", "-t", TEST_IMAGE, ctx], { stdio: "pipe" });
    } finally {
        rmSync(ctx, { recursive: true, force: true });
    }
    return TEST_IMAGE;
}

export interface Moto {
    endpoint: string;
    stop(): Promise<void>;
}

/** moto's S3-compatible server (pip install 'moto[server]') on 127.0.0.1:<random port>. */
export async function startMoto(): Promise<Moto> {
    const bin = process.env.MOTO_SERVER_BIN ?? "moto_server";
    const port = await freePort();
    const child: ChildProcess = spawn(bin, ["-H", "127.0.0.1", "-p", String(port)], { stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    child.stderr!.on("data", (d) => (err += d));
    const failed = new Promise<never>((_, reject) => {
        child.once("error", (e) => reject(new Error(`cannot start ${bin} (pip install 'moto[server]'): ${e.message}`)));
        child.once("exit", (c) => reject(new Error(`${bin} exited with ${c}: ${err}`)));
    });
    const endpoint = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 30000;
    const ready = (async () => {
        while (Date.now() < deadline) {
            const ok = await fetch(endpoint + "/").then(
                (r) => r.status < 500,
                () => false,
            );
            if (ok) return;
            await new Promise((r) => setTimeout(r, 200));
        }
        throw new Error(`moto_server did not answer on ${endpoint} within 30s: ${err}`);
    })();
    await Promise.race([ready, failed]);
    failed.catch(() => undefined);
    return {
        endpoint,
        stop: () =>
            new Promise<void>((resolve) => {
                if (child.exitCode !== null) return resolve();
                child.once("exit", () => resolve());
                child.kill("SIGTERM");
            }),
    };
}

export interface MariaDb {
    port: number;
    socket: string;
    user: string;
    password: string;
    /** URL for database `db` as the test user (TCP, password). */
    url(db?: string): string;
    /** Runs SQL as root over the socket; returns tab-separated rows without headers. */
    sql(query: string, db?: string): string;
    stop(): Promise<void>;
    start(): Promise<void>;
    destroy(): Promise<void>;
}

/**
 * A private MariaDB (Debian's mariadb-server) in a temp dir: mariadb-install-db, then mariadbd on
 * 127.0.0.1:<random port> and a socket in the dir, running as `mysql` when we are root. A user
 * `sy` with a random password gets all privileges (it creates restore-target databases).
 */
export async function startMariaDb(): Promise<MariaDb> {
    const mariadbd = ["/usr/sbin/mariadbd", "/usr/sbin/mysqld"].find((p) => existsSync(p));
    if (!mariadbd) throw new Error("mariadbd not found: apt-get install -y mariadb-server mariadb-client");
    const dir = mkdtempSync(path.join(os.tmpdir(), "sy-my-"));
    const asRoot = process.getuid?.() === 0;
    if (asRoot) execFileSync("chown", ["-R", "mysql:mysql", dir]);
    const data = path.join(dir, "data");
    const socket = path.join(dir, "sock");
    const user = asRoot ? ["--user=mysql"] : [];
    execFileSync(
        "mariadb-install-db",
        ["--no-defaults", `--datadir=${data}`, ...user, "--auth-root-authentication-method=normal", "--skip-test-db"],
        { stdio: "pipe" },
    );
    const port = await freePort();
    let child: ChildProcess | undefined;
    const client = (args: string[], input: string) =>
        spawnSync(
            "mariadb",
            ["--no-defaults", "--protocol=SOCKET", `--socket=${socket}`, "-uroot", "--batch", "--skip-column-names", ...args],
            { input, encoding: "utf8" },
        );
    const start = async () => {
        child = spawn(
            mariadbd,
            [
                "--no-defaults",
                `--datadir=${data}`,
                `--socket=${socket}`,
                `--port=${port}`,
                "--bind-address=127.0.0.1",
                ...user,
                `--pid-file=${path.join(dir, "pid")}`,
                `--log-error=${path.join(dir, "log")}`,
                "--skip-log-bin",
                "--innodb-flush-log-at-trx-commit=0",
                "--innodb-buffer-pool-size=64M",
            ],
            { stdio: "ignore" },
        );
        const deadline = Date.now() + 60_000;
        while (Date.now() < deadline) {
            if (child.exitCode !== null) throw new Error(`mariadbd exited with ${child.exitCode}; see ${path.join(dir, "log")}`);
            if (client([], "SELECT 1;").status === 0) return;
            await new Promise((r) => setTimeout(r, 200));
        }
        throw new Error("mariadbd did not start within 60 s");
    };
    const stop = async () => {
        const c = child;
        child = undefined;
        if (!c || c.exitCode !== null) return;
        await new Promise<void>((resolve) => {
            c.once("exit", () => resolve());
            c.kill("SIGTERM");
        });
    };
    await start();
    const password = "pw-" + Math.random().toString(36).slice(2, 10) + "-s3cr3t";
    const sql = (query: string, db = "mysql") => {
        const r = client([db], query);
        if (r.status !== 0) throw new Error(`mariadb client failed: ${r.stderr}`);
        return r.stdout.trim();
    };
    sql(`CREATE USER 'sy'@'127.0.0.1' IDENTIFIED BY '${password}'; GRANT ALL ON *.* TO 'sy'@'127.0.0.1';`);
    return {
        port,
        socket,
        user: "sy",
        password,
        url: (db = "app") => `mysql://sy:${encodeURIComponent(password)}@127.0.0.1:${port}/${db}`,
        sql,
        stop,
        start,
        destroy: async () => {
            await stop();
            rmSync(dir, { recursive: true, force: true });
        },
    };
}

/** I/O for the tool's main() run in-process: stdout lines into `stdout`, stderr dropped, no stdin, a fixed clock. */
export function quietIo(stdout: string[], env: NodeJS.ProcessEnv, now: number): Io {
    return { stdout: (l) => stdout.push(l), stderr: () => undefined, readLine: async () => null, env, now: () => new Date(now) };
}

/** The docker0 gateway address: containers reach a cluster on the host there. */
export function dockerGateway(): string {
    const out = execFileSync("ip", ["-4", "-o", "addr", "show", "docker0"]).toString();
    const m = /inet (\d+\.\d+\.\d+\.\d+)\//.exec(out);
    if (!m) throw new Error(`no IPv4 address on docker0: ${out}`);
    return m[1];
}

/** The demo app plus psql and its libraries from switchyard/postgres:local, tagged `image:<v>` for each version. */
export function buildMigrateImage(image: string, versions: readonly string[]): void {
    const ctx = mkdtempSync(path.join(os.tmpdir(), "sy-migrate-img-"));
    try {
        writeFileSync(
            path.join(ctx, "Dockerfile"),
            [
                "FROM switchyard/demo-app:1.0.0",
                "COPY --from=switchyard/postgres:local /usr/lib/postgresql/15/bin/psql /opt/pg/bin/psql",
                "COPY --from=switchyard/postgres:local /usr/lib/x86_64-linux-gnu/ /opt/pg/lib/",
                "USER root",
                "RUN printf '#!/bin/sh\\nLD_LIBRARY_PATH=/opt/pg/lib exec /opt/pg/bin/psql \"$@\"\\n' >/usr/local/bin/psql && chmod 755 /usr/local/bin/psql",
                "USER app",
            ].join("\n") + "\n",
        );
        execFileSync("docker", ["build", "-q", "-t", `${image}:${versions[0]}`, ctx], { stdio: "pipe" });
        for (const v of versions.slice(1)) execFileSync("docker", ["tag", `${image}:${versions[0]}`, `${image}:${v}`]);
    } finally {
        rmSync(ctx, { recursive: true, force: true });
    }
}
