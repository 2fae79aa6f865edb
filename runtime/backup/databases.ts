/**
 * The database engines the tool backs up, one entry each: how to reach a source, dump it, restore
 * it and count its rows. The tool loops over `databasesOf(config)` and never names an engine.
 */
import type { BackupConfig } from "./config";
import { countMysqlRows, dumpMysql, mysqlConnectionFromUrl, restoreMysql } from "./mysql";
import {
    cancelScheduledDumps,
    countRows,
    DbConnection,
    DumpResult,
    dumpPostgres,
    pgConnectionFromUrl,
    restorePostgres,
    SCHEDULED_APP_NAME,
} from "./sources";

export type DatabaseEngine = "postgres" | "mysql";

/** What the tool says and promises about an engine. */
interface EngineFacts {
    /** The dump file is `<engine>-<name>.<extension>`. */
    extension: string;
    /** The dump tool, named in progress lines. */
    dumpTool: string;
    /** Whether a failed restore leaves the target as it was (MySQL DDL is not transactional). */
    rollsBack: boolean;
    /** What a restore does to the target, shown in the plan. */
    restoreEffect: string;
}

const FACTS: Record<DatabaseEngine, EngineFacts> = {
    postgres: { extension: "dump", dumpTool: "pg_dump", rollsBack: true, restoreEffect: "objects in the dump are dropped and recreated" },
    mysql: { extension: "sql", dumpTool: "mysqldump", rollsBack: false, restoreEffect: "tables in the dump are dropped and recreated" },
};

/** An engine's client operations on one source `S` of the config. */
interface Operations<S> {
    connect(url: string, sourceName: string): DbConnection;
    dump(src: S, conn: DbConnection, docker: string, file: string): Promise<DumpResult>;
    restore(src: S, conn: DbConnection, docker: string, file: string): Promise<void>;
    countRows(src: S, conn: DbConnection, docker: string): Promise<Record<string, number>>;
    /** Marks a connection as a scheduled run's, so a release can find and cancel its dump. @default - not marked */
    markScheduled?(conn: DbConnection): DbConnection;
    /** Cancels scheduled runs' dumps of this database; resolves to how many. @default - none to cancel */
    cancelScheduled?(src: S, conn: DbConnection, docker: string): Promise<number>;
}

/** One database source bound to its engine. */
export interface Database extends EngineFacts {
    engine: DatabaseEngine;
    name: string;
    container?: string;
    /** The dump's file name in a snapshot. */
    file: string;
    /** The connection from the source's URL, or from the variable `overrideEnv` names (restore --into). */
    connect(env: NodeJS.ProcessEnv, overrideEnv?: string): DbConnection;
    dump(conn: DbConnection, docker: string, file: string): Promise<DumpResult>;
    restore(conn: DbConnection, docker: string, file: string): Promise<void>;
    countRows(conn: DbConnection, docker: string): Promise<Record<string, number>>;
    markScheduled(conn: DbConnection): DbConnection;
    cancelScheduled(conn: DbConnection, docker: string): Promise<number>;
}

function engine<E extends DatabaseEngine>(name: E, ops: Operations<BackupConfig[E][number]>): (cfg: BackupConfig) => Database[] {
    return (cfg) =>
        (cfg[name] as readonly BackupConfig[E][number][]).map((src) => ({
            ...FACTS[name],
            engine: name,
            name: src.name,
            container: src.container,
            file: `${name}-${src.name}.${FACTS[name].extension}`,
            connect: (env, overrideEnv) => {
                const varName = overrideEnv ?? src.urlEnv;
                const url = varName !== undefined ? env[varName] : src.url;
                if (!url)
                    throw new Error(`${name} '${src.name}': environment variable ${varName} is not set (it must hold the database URL)`);
                return ops.connect(url, src.name);
            },
            dump: (conn, docker, file) => ops.dump(src, conn, docker, file),
            restore: (conn, docker, file) => ops.restore(src, conn, docker, file),
            countRows: (conn, docker) => ops.countRows(src, conn, docker),
            markScheduled: (conn) => (ops.markScheduled ? ops.markScheduled(conn) : conn),
            cancelScheduled: (conn, docker) => (ops.cancelScheduled ? ops.cancelScheduled(src, conn, docker) : Promise.resolve(0)),
        }));
}

const ENGINES = [
    engine("postgres", {
        connect: pgConnectionFromUrl,
        dump: dumpPostgres,
        restore: restorePostgres,
        countRows,
        markScheduled: (conn) => ({ ...conn, env: { ...conn.env, PGAPPNAME: SCHEDULED_APP_NAME } }),
        cancelScheduled: cancelScheduledDumps,
    }),
    engine("mysql", { connect: mysqlConnectionFromUrl, dump: dumpMysql, restore: restoreMysql, countRows: countMysqlRows }),
];

/** Every database source of the config, engine by engine (postgres first), in config order. */
export function databasesOf(cfg: BackupConfig): Database[] {
    return ENGINES.flatMap((sourcesOf) => sourcesOf(cfg));
}
