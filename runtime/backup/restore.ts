/** `restore <id|latest>`: verify the snapshot, ask, then restore its databases and volumes. */
import * as path from "path";
import { formatProblems, verifySnapshot } from "../../domain/backup/manifest";
import { assertOwnSnapshot, ExitError, Io, resolveId, UsageError } from "./common";
import { BackupConfig } from "./config";
import { Database, databasesOf } from "./databases";
import { DbConnection, restoreVolume } from "./sources";
import { makeTarget } from "./targets";

export interface RestoreOptions {
    yes: boolean;
    only: string[];
    into: Map<string, string>;
    json: boolean;
}

export async function restore(cfg: BackupConfig, ref: string, opts: RestoreOptions, io: Io): Promise<number> {
    const target = makeTarget(cfg.target, io.env);
    // Only what this stack's config names can be restored into: refused before anything is fetched.
    const configured = new Set([...cfg.postgres, ...cfg.mysql, ...cfg.volumes].map((s) => s.name));
    for (const name of opts.only) {
        if (!configured.has(name))
            throw new UsageError(
                `--source ${name}: no database or volume of stack '${cfg.stack}' is named '${name}' (configured: ${[...configured].join(", ") || "none"}); nothing was changed`,
            );
    }
    const { id } = await resolveId(target, cfg, ref);
    const { dir, cleanup } = await target.fetch(id);
    try {
        const check = await verifySnapshot(dir, id);
        if (!check.ok) {
            throw new ExitError(
                `refusing to restore snapshot '${id}': it does not verify, nothing was changed:\n${formatProblems(check.problems)}`,
                4,
            );
        }
        const manifest = check.manifest!;
        // Checked again on the verified manifest: the listing it was resolved from may be stale.
        assertOwnSnapshot(cfg, id, manifest);
        const wanted = (name: string) => opts.only.length === 0 || opts.only.includes(name);
        for (const name of opts.only) {
            if (!manifest.sources.some((s) => s.name === name && s.kind !== "metadata"))
                throw new UsageError(`snapshot '${id}' has no source named '${name}'`);
        }
        for (const name of opts.into.keys()) {
            if (!manifest.sources.some((s) => (s.kind === "postgres" || s.kind === "mysql") && s.name === name))
                throw new UsageError(`--into ${name}=...: snapshot '${id}' has no database source '${name}'`);
        }
        // Plan: every database and volume to restore, with its target, resolved before any change.
        const dbPlan: { name: string; file: string; db: Database; conn: DbConnection }[] = [];
        const volPlan: { name: string; file: string; volume: string }[] = [];
        const databases = databasesOf(cfg);
        for (const s of manifest.sources) {
            if (!wanted(s.name)) continue;
            if (s.kind === "postgres" || s.kind === "mysql") {
                const db = databases.find((d) => d.engine === s.kind && d.name === s.name);
                if (!db)
                    throw new UsageError(
                        `snapshot source ${s.kind} '${s.name}' is not in the config: add it (with url/urlEnv) or leave it out with --source`,
                    );
                dbPlan.push({ name: s.name, file: s.file, db, conn: db.connect(io.env, opts.into.get(s.name)) });
            } else if (s.kind === "volume") {
                // Never into the volume the manifest names: it may not be this stack's.
                const v = cfg.volumes.find((x) => x.name === s.name);
                if (!v)
                    throw new UsageError(
                        `snapshot source volume '${s.name}' is not in the config: add it to backup.volumes or leave it out with --source`,
                    );
                volPlan.push({ name: s.name, file: s.file, volume: v.volume });
            }
        }
        io.stderr(
            `restore snapshot '${id}' (created ${manifest.createdAt}, stack ${manifest.stack}, deployment ${manifest.deploymentId}):`,
        );
        for (const d of dbPlan) io.stderr(`  ${d.db.engine} '${d.name}' -> ${d.conn.display} (${d.db.restoreEffect})`);
        for (const v of volPlan) io.stderr(`  volume '${v.name}' -> docker volume ${v.volume} (emptied, then extracted)`);
        if (dbPlan.length + volPlan.length === 0) throw new UsageError("nothing to restore");
        if (!opts.yes) {
            io.stderr("type 'yes' to continue: ");
            const answer = (await io.readLine())?.trim().toLowerCase();
            if (answer !== "yes" && answer !== "y") throw new ExitError("restore cancelled: nothing was changed", 3);
        }
        const result: { snapshotId: string; databases: unknown[]; volumes: unknown[] } = { snapshotId: id, databases: [], volumes: [] };
        for (const d of dbPlan) {
            let tables: Record<string, number>;
            try {
                await d.db.restore(d.conn, cfg.docker, path.join(dir, d.file));
                tables = await d.db.countRows(d.conn, cfg.docker);
            } catch (e) {
                const what = `restore of ${d.db.engine} '${d.name}' into ${d.conn.display} failed${d.db.rollsBack ? " (rolled back)" : ""}`;
                throw new Error(`${what}: ${(e as Error).message}`);
            }
            result.databases.push({ name: d.name, kind: d.db.engine, target: d.conn.display, tables });
            if (!opts.json) {
                io.stdout(`restored ${d.db.engine} '${d.name}' into ${d.conn.display}: ${Object.keys(tables).length} tables`);
                for (const [t, n] of Object.entries(tables)) io.stdout(`  ${t}: ${n} rows`);
            }
        }
        for (const v of volPlan) {
            let r: { entries: number; kib: number };
            try {
                r = await restoreVolume({ name: v.name, volume: v.volume }, cfg.docker, cfg.volumeImage, path.join(dir, v.file));
            } catch (e) {
                throw new Error(`restore of volume '${v.name}' into ${v.volume} failed: ${(e as Error).message}`);
            }
            const bytes = manifest.files.find((f) => f.path === v.file)!.size;
            result.volumes.push({ name: v.name, volume: v.volume, archiveBytes: bytes, entries: r.entries, kib: r.kib });
            if (!opts.json)
                io.stdout(`restored volume '${v.name}' into ${v.volume}: ${r.entries} entries, ${r.kib} KiB (archive ${bytes} bytes)`);
        }
        if (opts.json) io.stdout(JSON.stringify(result));
        return 0;
    } finally {
        await cleanup();
    }
}
