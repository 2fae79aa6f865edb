/**
 * MySQL / MariaDB sources: `mysqldump --single-transaction` (one consistent InnoDB snapshot,
 * no table locks) streamed to `mysql-<name>.sql`, restored with `mysql`. The password travels
 * in the child's environment (MYSQL_PWD, read by both MySQL and MariaDB clients), never in argv;
 * host, port, user and database are not secret and go in argv. Messages are scrubbed.
 *
 * Limits: MySQL DDL is not transactional, so a restore that fails half-way leaves the tables it
 * already replaced (the dump's DROP TABLE IF EXISTS + CREATE + INSERT per table); tables that are
 * not in the dump are left alone. Only InnoDB tables are consistent under --single-transaction.
 * Stored routines and events are not dumped (they need extra privileges); triggers are.
 */
import type { MysqlSource } from "./config";
import { childEnv, cleanStderr, clientCommand, databaseUrl, DbConnection, DumpResult, run, RunOptions, ToolOutput } from "./sources";

export type MysqlConnection = DbConnection;

/** Parses mysql://user:pass@host:port/db[?socket=/path] (also mariadb://). Messages never include the URL. */
export function mysqlConnectionFromUrl(url: string, sourceName: string): MysqlConnection {
    const u = databaseUrl(url, "mysql", sourceName, ["mysql:", "mariadb:"], "mysql://user:password@host:port/db");
    const database = decodeURIComponent(u.pathname.replace(/^\//, ""));
    if (!database) throw new Error(`mysql '${sourceName}': the database URL names no database (mysql://user:password@host:port/DB)`);
    const args: string[] = [];
    const user = u.username ? decodeURIComponent(u.username) : "";
    const password = u.password ? decodeURIComponent(u.password) : "";
    const socket = u.searchParams.get("socket");
    for (const k of u.searchParams.keys()) {
        if (k !== "socket") throw new Error(`mysql '${sourceName}': unsupported URL parameter '${k}' (supported: socket)`);
    }
    let display: string;
    if (socket) {
        args.push("--protocol=SOCKET", `--socket=${socket}`);
        display = `${socket}/${database}`;
    } else {
        const host = u.hostname.replace(/^\[(.*)\]$/, "$1") || "127.0.0.1";
        const port = u.port || "3306";
        args.push("--protocol=TCP", `--host=${host}`, `--port=${port}`);
        display = `${host}:${port}/${database}`;
    }
    if (user) args.push(`--user=${user}`);
    const env: Record<string, string> = password ? { MYSQL_PWD: password } : {};
    const secrets = [url, password, encodeURIComponent(password)].filter((s) => s.length > 0);
    return { args, env, database, display, secrets };
}

const MYSQL_OUTPUT: ToolOutput = {
    prefix: /^(mysqldump|mysql|mariadb-dump|mariadb): */,
    noise: /Deprecated program name|Using a password on the command line/i,
};

/** Runs a MySQL client tool with the connection's credentials in its environment; fails with its scrubbed stderr. */
async function client(src: MysqlSource, conn: MysqlConnection, docker: string, tool: string, args: string[], io: RunOptions) {
    const [cmd, cargs] = clientCommand(src.container, docker, tool, [...conn.args, ...args], conn, io.stdoutFile === undefined);
    const r = await run(cmd, cargs, { ...io, env: childEnv("MYSQL_", conn.env) });
    if (r.code !== 0) throw new Error(cleanStderr(r.stderr, conn.secrets, MYSQL_OUTPUT));
    return r;
}

/** mysqldump --single-transaction of one database into `file` (hashed while streaming). */
export async function dumpMysql(src: MysqlSource, conn: MysqlConnection, docker: string, file: string): Promise<DumpResult> {
    const args = ["--single-transaction", "--quick", "--hex-blob", "--no-tablespaces", "--triggers", "--skip-dump-date", conn.database];
    const r = await client(src, conn, docker, src.mysqldump, args, { stdoutFile: file });
    if (!r.size) throw new Error("mysqldump produced no output");
    return { size: r.size, sha256: r.sha256!, database: conn.database };
}

/** Replays the dump with `mysql` into the connection's database (stops at the first error). */
export async function restoreMysql(src: MysqlSource, conn: MysqlConnection, docker: string, file: string): Promise<void> {
    await client(src, conn, docker, src.mysql, ["--connect-timeout=10", "--batch", conn.database], { stdinFile: file });
}

async function query(src: MysqlSource, conn: MysqlConnection, docker: string, sql: string): Promise<string> {
    const args = ["--connect-timeout=10", "--batch", "--skip-column-names", "--raw", conn.database];
    return (await client(src, conn, docker, src.mysql, args, { stdinText: sql })).stdout;
}

/** Exact row count of every base table of the database ("table" -> rows). */
export async function countMysqlRows(src: MysqlSource, conn: MysqlConnection, docker: string): Promise<Record<string, number>> {
    const tables = (
        await query(
            src,
            conn,
            docker,
            "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE' ORDER BY table_name;\n",
        )
    )
        .split("\n")
        .filter((t) => t.trim() !== "");
    if (tables.length === 0) return {};
    const ident = (t: string) => "`" + t.replace(/`/g, "``") + "`";
    const lit = (t: string) => "'" + t.replace(/\\/g, "\\\\").replace(/'/g, "''") + "'";
    const out: Record<string, number> = {};
    const rows = await query(
        src,
        conn,
        docker,
        tables.map((t) => `SELECT ${lit(t)}, COUNT(*) FROM ${ident(t)}`).join(" UNION ALL ") + ";\n",
    );
    for (const line of rows.split("\n")) {
        if (!line.trim()) continue;
        const [t, n] = line.split("\t");
        out[t] = Number(n);
    }
    return out;
}
