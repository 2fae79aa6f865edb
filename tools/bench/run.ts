/**
 * `npm run bench [-- --stack S] [--runs N] [--seconds N] [--only router,switch,release,engine,canary,backup] [--replicas 2,4,8,16] [--smoke]`:
 * the benchmarks on a running stack (the local one after `scripts/up.sh`), one Markdown table on
 * stdout, the same figures as JSON under .switchyard/bench/. Not a test: nothing here asserts a
 * speed; `--smoke` (one short run of each) is what `npm test` runs.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Command } from "commander";
import { drift } from "../commands/drift";
import { Io } from "../lib/cli";
import { PROJECT_DIR, withStack } from "../lib/stack";
import { BenchReport, BenchRow, findRow, renderReport } from "./report";
import {
    backupThroughput,
    BenchContext,
    canaryPrecision,
    engineCost,
    ensureBenchImages,
    releaseDriver,
    routerOverhead,
    switching,
} from "./sections";
import { growth } from "./stats";

export const SECTIONS = ["router", "switch", "release", "engine", "canary", "backup"] as const;
export type Section = (typeof SECTIONS)[number];

export interface BenchOptions {
    stack: string;
    runs: number;
    seconds: number;
    only: Section[];
    smoke: boolean;
    /** Replicas per colour of the engine rows. @default [2, 4, 8, 16] ([2] with --smoke) */
    replicas: number[];
    /** Directory of the JSON reports. @default .switchyard/bench */
    outDir: string;
}

/** Parses the bench's arguments; throws with a message naming the option on bad input. */
export function parseBenchArgs(argv: string[]): BenchOptions {
    const p = new Command("bench")
        .exitOverride()
        .option("--stack <name>", "stack to measure", "local")
        .option("--runs <n>", "runs per row (at least 5 for figures worth quoting)", "5")
        .option("--seconds <n>", "seconds of load per router measurement", "5")
        .option("--only <sections>", `comma-separated subset of ${SECTIONS.join(",")}`, SECTIONS.join(","))
        .option("--replicas <list>", "replicas per colour of the engine rows, comma-separated", "2,4,8,16")
        .option("--smoke", "one short run of each section (what npm test runs)")
        .option("--out <dir>", "where the JSON report goes", path.join(PROJECT_DIR, ".switchyard", "bench"));
    p.parse(argv, { from: "user" });
    const o = p.opts<{ stack: string; runs: string; seconds: string; only: string; replicas: string; smoke?: boolean; out: string }>();
    const whole = (name: string, v: string, min: number) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n < min) {
            throw new Error(`--${name} must be a whole number of at least ${min}, got '${v}'`);
        }
        return n;
    };
    const only = o.only.split(",").map((s) => s.trim());
    const unknown = only.filter((s) => !(SECTIONS as readonly string[]).includes(s));
    if (unknown.length > 0) {
        throw new Error(`--only: unknown section(s) ${unknown.join(", ")}; choose from ${SECTIONS.join(", ")}`);
    }
    const smoke = Boolean(o.smoke);
    return {
        stack: o.stack,
        runs: smoke ? 1 : whole("runs", o.runs, 1),
        seconds: smoke ? 1 : whole("seconds", o.seconds, 1),
        only: only as Section[],
        smoke,
        replicas: smoke ? [2] : o.replicas.split(",").map((v) => whole("replicas", v.trim(), 1)),
        outDir: path.resolve(o.out),
    };
}

/** What the rows say about the goals (router p99 overhead ≤ 1 ms at 500 req/s, flip ≤ 5 s, no-op preview ≤ 5 s) and growth. */
export function findings(rows: readonly BenchRow[]): string[] {
    const out: string[] = [];
    // Direct is a container address, so the like-for-like router figure is the router container's own
    // address; the published port adds Docker's userland proxy (docker-proxy) in front of both.
    for (const load of ["500 req/s keep-alive GET", "500 req/s fresh conn GET"]) {
        const direct = rows.find(
            (r) => r.section === "router" && r.command.startsWith("direct") && r.load === load && r.metric === "p99 ms",
        );
        for (const via of ["through the router (container address)", "through the router (published port)"]) {
            const routed = findRow(rows, "router", via, load, "p99 ms");
            if (direct && routed) {
                const d = routed.spread.median - direct.spread.median;
                out.push(
                    `router p99 overhead at ${load}, ${via.slice("through the router ".length)}: ${d.toFixed(2)} ms (goal ≤ 1 ms: ${d <= 1 ? "met" : `missed by ${(d - 1).toFixed(2)} ms`})`,
                );
            }
        }
    }
    const flip = rows.find((r) => r.section === "switch" && r.command.startsWith("switchyard flip") && r.metric === "wall s");
    if (flip) {
        out.push(`flip wall time median ${flip.spread.median.toFixed(2)} s (goal ≤ 5 s: ${flip.spread.median <= 5 ? "met" : "missed"})`);
    }
    const killed = rows.find((r) => r.section === "release" && r.metric === "kill to canary 0% s");
    const released = rows.find((r) => r.section === "release" && r.metric === "wall s" && r.command.includes("promoted"));
    if (killed && released) {
        out.push(
            `release driver: canary at 0% ${killed.spread.median.toFixed(2)} s after its containers were killed; a full release ${released.spread.median.toFixed(1)} s (median)`,
        );
    }
    const preview = rows.find((r) => r.section === "engine" && r.command === "no-op preview" && r.load === "2 replicas per colour");
    if (preview) {
        out.push(
            `no-op preview median ${preview.spread.median.toFixed(2)} s at 2 replicas (goal ≤ 5 s: ${preview.spread.median <= 5 ? "met" : "missed"})`,
        );
    }
    const snap = rows.find((r) => r.section === "backup" && r.command.startsWith("switchyard snapshot") && r.metric === "wall s");
    const raw = rows.find((r) => r.section === "backup" && r.command === "raw pg_dump -Fc" && r.metric === "wall s");
    if (snap && raw) {
        out.push(
            `snapshot takes ${(snap.spread.median / raw.spread.median).toFixed(1)}× a raw pg_dump of the same database (${snap.spread.median.toFixed(2)} s vs ${raw.spread.median.toFixed(2)} s)`,
        );
    }
    const engineCommands = [...new Set(rows.filter((r) => r.section === "engine").map((r) => r.command))];
    for (const c of engineCommands) {
        const points = rows
            .filter((r) => r.section === "engine" && r.command === c)
            .map((r) => ({ size: Number(r.load.split(" ")[0]), cost: r.spread.median }));
        if (points.length >= 2) {
            out.push(`${c}: ${growth(points)} in replicas (${points.map((p) => `${p.size}: ${p.cost.toFixed(1)} s`).join(", ")})`);
        }
    }
    return out;
}

export async function bench(opts: BenchOptions, log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<BenchReport> {
    const startedAt = new Date().toISOString();
    const loadStart = os.loadavg()[0];
    const rows: BenchRow[] = [];
    const errors: string[] = [];
    const file = path.join(opts.outDir, `${startedAt.replace(/[:.]/g, "-")}.json`);
    const snapshot = (): BenchReport => ({
        startedAt,
        stack: opts.stack,
        host: {
            cpus: os.cpus().length,
            memoryGiB: Math.round(os.totalmem() / 2 ** 30),
            node: process.version,
            loadAverage: { start: loadStart, end: os.loadavg()[0] },
        },
        runs: opts.runs,
        rows,
        findings: findings(rows),
        errors,
    });
    // Written after every section, so a long run that is stopped keeps what it measured.
    const save = () => {
        fs.mkdirSync(opts.outDir, { recursive: true });
        fs.writeFileSync(file, `${JSON.stringify(snapshot(), null, 2)}\n`);
    };
    await withStack({ stack: opts.stack }, async (s) => {
        const ctx: BenchContext = {
            stack: s.stack,
            stackName: s.name,
            runs: opts.runs,
            seconds: opts.seconds,
            smoke: opts.smoke,
            replicas: opts.replicas,
            log,
        };
        const quiet: Io = { out: () => undefined, err: () => undefined, env: process.env, now: () => Date.now() };
        const timedDrift = async () => {
            const t0 = Date.now();
            const code = await drift({ stack: s.name, json: true }, quiet);
            if (code !== 0) {
                throw new Error(`switchyard drift found drift or failed (exit ${code}) during the bench`);
            }
            return (Date.now() - t0) / 1000;
        };
        const run: Record<Section, () => Promise<BenchRow[]>> = {
            router: () => routerOverhead(ctx),
            switch: () => switching(ctx),
            release: () => releaseDriver(ctx),
            engine: () => engineCost(ctx, timedDrift),
            canary: () => canaryPrecision(ctx),
            backup: () => backupThroughput(ctx),
        };
        // Without the versions they ship, the releases would fail half-way: those sections do not start.
        const shipsVersions = (section: Section) => section === "switch" || section === "release";
        let missingImages: string | undefined;
        if (opts.only.some(shipsVersions)) {
            await ensureBenchImages(log).catch((e: unknown) => (missingImages = e instanceof Error ? e.message : String(e)));
        }
        for (const section of opts.only) {
            log(`bench: ${section} (${new Date().toISOString()})`);
            try {
                if (missingImages !== undefined && shipsVersions(section)) {
                    throw new Error(missingImages);
                }
                rows.push(...(await run[section]()));
            } catch (e) {
                // The other sections still run; the report names the failure and main() exits 1.
                const message = `${section}: ${e instanceof Error ? e.message : String(e)}`;
                errors.push(message);
                log(`bench: section failed: ${message}`);
            }
            save();
        }
    });
    save();
    return snapshot();
}

export async function main(argv: string[]): Promise<number> {
    let opts: BenchOptions;
    try {
        opts = parseBenchArgs(argv);
    } catch (e) {
        process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n`);
        return 2;
    }
    const report = await bench(opts);
    process.stdout.write(renderReport(report));
    return report.errors && report.errors.length > 0 ? 1 : 0;
}
