/** One figure of `npm run bench`, and the table and JSON document they make. */
import { fmt, markdownTable, Spread } from "./stats";

export interface BenchRow {
    /** router | switch | engine | canary */
    readonly section: string;
    /** What was measured: the target or the command (`through the router`, `switchyard flip`...). */
    readonly command: string;
    /** The load it ran under (`500 req/s keep-alive GET`, `16 replicas per colour`...). */
    readonly load: string;
    /** The figure (`p99 ms`, `wall s`, `failed requests`...). */
    readonly metric: string;
    readonly spread: Spread;
}

export interface BenchReport {
    readonly startedAt: string;
    readonly stack: string;
    readonly host: {
        readonly cpus: number;
        readonly memoryGiB: number;
        readonly node: string;
        /** 1-minute load average when the bench started and ended (other work on the machine skews the figures). */
        readonly loadAverage?: { readonly start: number; readonly end: number };
    };
    readonly runs: number;
    readonly rows: readonly BenchRow[];
    /** Conclusions computed from the rows (goal met or missed, growth per command). */
    readonly findings: readonly string[];
    /** Sections that failed, with the error (their rows are missing). */
    readonly errors?: readonly string[];
}

export function renderReport(r: BenchReport): string {
    const table = markdownTable(
        ["section", "command", "load", "metric", "min", "median", "max", "runs"],
        r.rows.map((x) => [
            x.section,
            x.command,
            x.load,
            x.metric,
            fmt(x.spread.min),
            fmt(x.spread.median),
            fmt(x.spread.max),
            String(x.spread.runs),
        ]),
    );
    const head = `switchyard bench, stack ${r.stack}, ${r.startedAt}: ${r.host.cpus} CPUs, ${r.host.memoryGiB} GiB, node ${r.host.node}${
        r.host.loadAverage
            ? `, load average ${r.host.loadAverage.start.toFixed(2)} at start, ${r.host.loadAverage.end.toFixed(2)} at end`
            : ""
    }, ${r.runs} run(s) per row`;
    const findings = r.findings.length > 0 ? `\n\n${r.findings.map((f) => `- ${f}`).join("\n")}` : "";
    const errors = r.errors && r.errors.length > 0 ? `\n\nFailed sections:\n${r.errors.map((e) => `- ${e}`).join("\n")}` : "";
    return `${head}\n\n${table}${findings}${errors}\n`;
}

/** The row of `rows` for a section, command, load and metric (undefined when it was not measured). */
export function findRow(rows: readonly BenchRow[], section: string, command: string, load: string, metric: string): BenchRow | undefined {
    return rows.find((x) => x.section === section && x.command === command && x.load === load && x.metric === metric);
}
