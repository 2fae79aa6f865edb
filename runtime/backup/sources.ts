/**
 * Backup sources: PostgreSQL (pg_dump -Fc / pg_restore) on the host or via `docker exec`,
 * and named Docker volumes (tar through a throw-away container). Credentials travel in
 * the child's environment (libpq PG* variables), never in argv, and are scrubbed from
 * any message.
 */
import { spawn } from "child_process";
import { createHash } from "crypto";
import { createReadStream, createWriteStream } from "fs";
import { Transform } from "stream";
import { pipeline } from "stream/promises";
import type { PostgresSource, VolumeSource } from "./config";

export interface RunResult {
    code: number;
    stdout: string;
    stderr: string;
}

export interface RunOptions {
    env?: NodeJS.ProcessEnv;
    /** File streamed to the child's stdin. */
    stdinFile?: string;
    /** Text written to the child's stdin. */
    stdinText?: string;
    /** Stream stdout into this file (hashing it on the way); stdout is then not captured. */
    stdoutFile?: string;
}

/** Runs a command without a shell. Rejects only when it cannot start or I/O fails. */
export async function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult & { size?: number; sha256?: string }> {
    const child = spawn(cmd, args, { env: opts.env ?? process.env, stdio: ["pipe", "pipe", "pipe"] });
    const started = new Promise<void>((resolve, reject) => {
        child.once("spawn", () => resolve());
        child.once("error", (e: NodeJS.ErrnoException) =>
            reject(new Error(e.code === "ENOENT" ? `'${cmd}' not found on PATH` : `cannot run '${cmd}': ${e.message}`)),
        );
    });
    const exited = new Promise<number>((resolve) => child.once("close", (code, signal) => resolve(code ?? (signal ? 128 : 1))));
    let stderr = "";
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (d: string) => {
        if (stderr.length < 64 * 1024) stderr += d;
    });
    await started;
    const tasks: Promise<unknown>[] = [];
    if (opts.stdinFile) tasks.push(pipeline(createReadStream(opts.stdinFile), child.stdin).catch(ignoreEpipe));
    else {
        child.stdin.on("error", ignoreEpipe);
        child.stdin.end(opts.stdinText ?? "");
    }
    let stdout = "";
    let size = 0;
    const hash = createHash("sha256");
    if (opts.stdoutFile) {
        const tee = new Transform({
            transform(chunk: Buffer, _enc, cb) {
                hash.update(chunk);
                size += chunk.length;
                cb(null, chunk);
            },
        });
        tasks.push(pipeline(child.stdout, tee, createWriteStream(opts.stdoutFile)));
    } else {
        child.stdout.setEncoding("utf8");
        child.stdout.on("data", (d: string) => (stdout += d));
    }
    const [code] = await Promise.all([exited, ...tasks]);
    return opts.stdoutFile ? { code, stdout, stderr, size, sha256: hash.digest("hex") } : { code, stdout, stderr };
}

function ignoreEpipe(e: NodeJS.ErrnoException): void {
    // The child may exit (e.g. on a connection error) before reading all of stdin; its exit code says why.
    if (e.code !== "EPIPE" && e.code !== "ERR_STREAM_PREMATURE_CLOSE") throw e;
}

/** How a client tool's stderr reads: the prefix it puts on lines, and lines that say nothing. */
export interface ToolOutput {
    prefix: RegExp;
    noise: RegExp;
}

const PG_OUTPUT: ToolOutput = { prefix: /^(pg_dump|pg_restore|psql): (error: )?/, noise: /^(DETAIL|HINT|CONTEXT): *$/ };

/** Keeps the last meaningful lines of a tool's stderr, with every secret removed. */
export function cleanStderr(stderr: string, secrets: readonly string[], output: ToolOutput = PG_OUTPUT): string {
    let s = stderr;
    for (const secret of secrets) if (secret && secret.length >= 3) s = s.split(secret).join("***");
    const lines = s
        .split("\n")
        .map((l) => l.replace(output.prefix, "").trim())
        .filter((l) => l !== "" && !output.noise.test(l));
    return lines.slice(-4).join("; ") || "no error output";
}

/** How to reach one database: argv options and child environment (the secrets only in the latter). */
export interface DbConnection {
    /** Connection options for argv: no secret in them. */
    args: string[];
    /** Environment for the child (credentials). */
    env: Record<string, string>;
    database: string;
    /** host:port/db without credentials, for messages. */
    display: string;
    secrets: string[];
}

/** process.env without the inherited variables of a client (`prefix`, e.g. PG): the URL is the only source of truth. */
export function childEnv(prefix: string, extra: Record<string, string>): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith(prefix)) env[k] = v;
    return { ...env, ...extra };
}

/** Command and args for a database client tool, on the host or via docker exec (-e NAME passes the value through env). */
export function clientCommand(
    container: string | undefined,
    docker: string,
    tool: string,
    args: string[],
    conn: DbConnection,
    interactive: boolean,
): [string, string[]] {
    if (!container) return [tool, args];
    const envFlags = Object.keys(conn.env).flatMap((k) => ["-e", k]);
    return [docker, ["exec", ...(interactive ? ["-i"] : []), ...envFlags, container, tool, ...args]];
}

export type PgConnection = DbConnection;

/** Parses a database URL of one of `protocols`; messages name the source, never the URL (it holds the password). */
export function databaseUrl(url: string, engine: string, sourceName: string, protocols: readonly string[], example: string): URL {
    let u: URL;
    try {
        u = new URL(url);
    } catch {
        throw new Error(`${engine} '${sourceName}': the database URL is not a valid URL (expected ${example})`);
    }
    if (!protocols.includes(u.protocol)) {
        const allowed = protocols.map((p) => `${p}//`).join(" or ");
        throw new Error(`${engine} '${sourceName}': the database URL must start with ${allowed}, got '${u.protocol}//'`);
    }
    return u;
}

const PARAM_ENV: Record<string, string> = {
    sslmode: "PGSSLMODE",
    sslrootcert: "PGSSLROOTCERT",
    sslcert: "PGSSLCERT",
    sslkey: "PGSSLKEY",
    connect_timeout: "PGCONNECT_TIMEOUT",
    application_name: "PGAPPNAME",
    host: "PGHOST",
    port: "PGPORT",
    user: "PGUSER",
    password: "PGPASSWORD",
    options: "PGOPTIONS",
    target_session_attrs: "PGTARGETSESSIONATTRS",
};

/** Parses postgres://user:pass@host:port/db?params into libpq variables. Messages never include the URL. */
export function pgConnectionFromUrl(url: string, sourceName: string): PgConnection {
    const u = databaseUrl(url, "postgres", sourceName, ["postgres:", "postgresql:"], "postgres://user:password@host:port/db");
    const env: Record<string, string> = {};
    const host = u.hostname.replace(/^\[(.*)\]$/, "$1");
    if (host) env.PGHOST = decodeURIComponent(host);
    if (u.port) env.PGPORT = u.port;
    if (u.username) env.PGUSER = decodeURIComponent(u.username);
    const password = u.password ? decodeURIComponent(u.password) : "";
    if (password) env.PGPASSWORD = password;
    const database = decodeURIComponent(u.pathname.replace(/^\//, "")) || env.PGUSER || "postgres";
    env.PGDATABASE = database;
    for (const [k, v] of u.searchParams) {
        const name = PARAM_ENV[k];
        if (!name)
            throw new Error(`postgres '${sourceName}': unsupported URL parameter '${k}' (supported: ${Object.keys(PARAM_ENV).join(", ")})`);
        env[name] = v;
    }
    env.PGCONNECT_TIMEOUT ??= "10";
    const secrets = [url, password, encodeURIComponent(password)].filter((s) => s.length > 0);
    if (env.PGPASSWORD && env.PGPASSWORD !== password) secrets.push(env.PGPASSWORD);
    return { args: [], env, database, display: `${env.PGHOST ?? "localhost"}:${env.PGPORT ?? "5432"}/${database}`, secrets };
}

/** Size and sha256 of a file as it was written. */
export interface FileFacts {
    size: number;
    sha256: string;
}

export interface DumpResult extends FileFacts {
    database: string;
}

/** pg_dump -Fc (one repeatable-read transaction: a consistent snapshot) streamed into `file`. */
export async function dumpPostgres(src: PostgresSource, conn: PgConnection, docker: string, file: string): Promise<DumpResult> {
    const [cmd, args] = clientCommand(
        src.container,
        docker,
        src.pgDump,
        ["-Fc", ...(src.compressLevel !== undefined ? [`-Z${src.compressLevel}`] : []), "--no-password"],
        conn,
        false,
    );
    const r = await run(cmd, args, { env: childEnv("PG", conn.env), stdoutFile: file });
    if (r.code !== 0) throw new Error(cleanStderr(r.stderr, conn.secrets));
    if (!r.size) throw new Error("pg_dump produced no output");
    return { size: r.size, sha256: r.sha256!, database: conn.database };
}

/** application_name of a scheduled run's pg_dump: what a release's pre-deploy snapshot cancels. */
export const SCHEDULED_APP_NAME = "switchyard-scheduled-backup";

/**
 * Cancels the scheduled runs' dumps of this database (same role, so no superuser needed), so that a
 * release's migration never waits behind their locks. Resolves to the number cancelled.
 */
export async function cancelScheduledDumps(src: PostgresSource, conn: PgConnection, docker: string): Promise<number> {
    const sql =
        "SELECT count(pg_cancel_backend(pid)) FROM pg_stat_activity " +
        `WHERE application_name = '${SCHEDULED_APP_NAME}' AND datname = current_database() AND pid <> pg_backend_pid()`;
    const [cmd, args] = clientCommand(
        src.container,
        docker,
        src.psql,
        ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "--no-password", "-c", sql],
        conn,
        true,
    );
    const r = await run(cmd, args, { env: childEnv("PG", conn.env) });
    if (r.code !== 0) throw new Error(cleanStderr(r.stderr, conn.secrets));
    return Number(r.stdout.trim()) || 0;
}

/**
 * pg_restore --clean --if-exists in ONE transaction: on any error the target is left as
 * it was. Objects that exist in the target but not in the dump are left alone.
 */
export async function restorePostgres(src: PostgresSource, conn: PgConnection, docker: string, file: string): Promise<void> {
    const args = ["--clean", "--if-exists", "--single-transaction", "--exit-on-error", "--no-password", "-d", conn.database];
    const [cmd, cargs] = clientCommand(src.container, docker, src.pgRestore, args, conn, true);
    const r = await run(cmd, cargs, { env: childEnv("PG", conn.env), stdinFile: file });
    if (r.code !== 0) throw new Error(cleanStderr(r.stderr, conn.secrets));
}

const COUNT_SQL = `SELECT format('SELECT %L, count(*) FROM %I.%I', n.nspname || '.' || c.relname, n.nspname, c.relname)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
ORDER BY n.nspname, c.relname \\gexec
`;

/** Exact row count of every user table ("schema.table" -> rows). */
export async function countRows(src: PostgresSource, conn: PgConnection, docker: string): Promise<Record<string, number>> {
    const [cmd, args] = clientCommand(
        src.container,
        docker,
        src.psql,
        ["-X", "-q", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1", "--no-password"],
        conn,
        true,
    );
    const r = await run(cmd, args, { env: childEnv("PG", conn.env), stdinText: COUNT_SQL });
    if (r.code !== 0) throw new Error(cleanStderr(r.stderr, conn.secrets));
    const out: Record<string, number> = {};
    for (const line of r.stdout.split("\n")) {
        if (!line.trim()) continue;
        const [table, n] = line.split("\t");
        out[table] = Number(n);
    }
    return out;
}

async function assertVolumeExists(docker: string, volume: string): Promise<void> {
    const r = await run(docker, ["volume", "inspect", "--format", "{{.Name}}", volume]);
    if (r.code !== 0) throw new Error(`docker volume '${volume}' not found (${cleanStderr(r.stderr, [])})`);
}

/** Runs `cmd` in a throw-away container that mounts the volume at /v (works with a remote DOCKER_HOST too). */
async function inVolume(volume: string, docker: string, image: string, readOnly: boolean, cmd: string[], opts: RunOptions) {
    await assertVolumeExists(docker, volume);
    const mount = `${volume}:/v${readOnly ? ":ro" : ""}`;
    const r = await run(docker, ["run", "--rm", ...(opts.stdinFile ? ["-i"] : []), "--network", "none", "-v", mount, image, ...cmd], opts);
    if (r.code !== 0) throw new Error(cleanStderr(r.stderr, []));
    return r;
}

/** tar of a named volume, streamed out of the container. */
export async function dumpVolume(src: VolumeSource, docker: string, image: string, file: string): Promise<FileFacts> {
    const r = await inVolume(src.volume, docker, image, true, ["tar", "-C", "/v", "-cf", "-", "."], { stdoutFile: file });
    return { size: r.size!, sha256: r.sha256! };
}

/** Empties the volume and untars the archive into it; returns entry count and KiB used after. */
export async function restoreVolume(
    src: VolumeSource,
    docker: string,
    image: string,
    file: string,
): Promise<{ entries: number; kib: number }> {
    const script =
        "find /v -mindepth 1 -maxdepth 1 -exec rm -rf {} + && tar -C /v -xf - && echo $(find /v -mindepth 1 | wc -l) $(du -sk /v | cut -f1)";
    const r = await inVolume(src.volume, docker, image, false, ["sh", "-c", script], { stdinFile: file });
    const [entries, kib] = r.stdout.trim().split(/\s+/).map(Number);
    return { entries, kib };
}
