/**
 * The database engines the tool backs up, one entry each: how to reach a source, dump it, restore
 * it and count its rows. The tool loops over `databasesOf(config)` and never names an engine.
 */
import type { BackupConfig, MysqlSource, PostgresSource } from "./config";
import { countMysqlRows, dumpMysql, mysqlConnectionFromUrl, restoreMysql } from "./mysql";
import { countRows, DbConnection, DumpResult, dumpPostgres, pgConnectionFromUrl, restorePostgres } from "./sources";

export type DatabaseEngine = "postgres" | "mysql";

interface Driver<S extends { name: string; container?: string; url?: string; urlEnv?: string }> {
    engine: DatabaseEngine;
    sources(cfg: BackupConfig): readonly S[];
    /** The dump's file name in a snapshot. */
    file(name: string): string;
    /** The dump tool, named in progress lines. */
    dumpTool: string;
    connect(url: string, sourceName: string): DbConnection;
    dump(src: S, conn: DbConnection, docker: string, file: string): Promise<DumpResult>;
    restore(src: S, conn: DbConnection, docker: string, file: string): Promise<void>;
    countRows(src: S, conn: DbConnection, docker: string): Promise<Record<string, number>>;
    /** What a restore does to the target, shown in the plan. */
    restoreEffect: string;
    /** Whether a failed restore leaves the target as it was. */
    rollsBack: boolean;
}

const postgres: Driver<PostgresSource> = {
    engine: "postgres",
    sources: (cfg) => cfg.postgres,
    file: (name) => `postgres-${name}.dump`,
    dumpTool: "pg_dump",
    connect: pgConnectionFromUrl,
    dump: dumpPostgres,
    restore: restorePostgres,
    countRows,
    restoreEffect: "objects in the dump are dropped and recreated",
    rollsBack: true,
};

// MySQL DDL is not transactional: tables a failed restore already replaced stay replaced.
const mysql: Driver<MysqlSource> = {
    engine: "mysql",
    sources: (cfg) => cfg.mysql,
    file: (name) => `mysql-${name}.sql`,
    dumpTool: "mysqldump",
    connect: mysqlConnectionFromUrl,
    dump: dumpMysql,
    restore: restoreMysql,
    countRows: countMysqlRows,
    restoreEffect: "tables in the dump are dropped and recreated",
    rollsBack: false,
};

/** One database source bound to its engine's driver. */
export interface Database {
    engine: DatabaseEngine;
    name: string;
    container?: string;
    file: string;
    dumpTool: string;
    restoreEffect: string;
    rollsBack: boolean;
    /** The connection from the source's URL, or from the variable `overrideEnv` names (restore --into). */
    connect(env: NodeJS.ProcessEnv, overrideEnv?: string): DbConnection;
    dump(conn: DbConnection, docker: string, file: string): Promise<DumpResult>;
    restore(conn: DbConnection, docker: string, file: string): Promise<void>;
    countRows(conn: DbConnection, docker: string): Promise<Record<string, number>>;
}

function bind<S extends { name: string; container?: string; url?: string; urlEnv?: string }>(d: Driver<S>, src: S): Database {
    return {
        engine: d.engine,
        name: src.name,
        container: src.container,
        file: d.file(src.name),
        dumpTool: d.dumpTool,
        restoreEffect: d.restoreEffect,
        rollsBack: d.rollsBack,
        connect: (env, overrideEnv) => {
            const varName = overrideEnv ?? src.urlEnv;
            const url = varName !== undefined ? env[varName] : src.url;
            if (!url)
                throw new Error(`${d.engine} '${src.name}': environment variable ${varName} is not set (it must hold the database URL)`);
            return d.connect(url, src.name);
        },
        dump: (conn, docker, file) => d.dump(src, conn, docker, file),
        restore: (conn, docker, file) => d.restore(src, conn, docker, file),
        countRows: (conn, docker) => d.countRows(src, conn, docker),
    };
}

/** Every database source of the config, engine by engine (postgres first), in config order. */
export function databasesOf(cfg: BackupConfig): Database[] {
    return [...postgres.sources(cfg).map((s) => bind(postgres, s)), ...mysql.sources(cfg).map((s) => bind(mysql, s))];
}
