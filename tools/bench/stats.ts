/**
 * The arithmetic of `npm run bench`: percentiles of raw latencies, min/median/max over runs, the
 * longest time without a successful response, how a cost grows with a size, and the Markdown table.
 * Plain functions, so the figures the bench prints are tested like any other logic.
 */

/** The q-quantile (0..1) of `values` by nearest rank; NaN for no values. */
export function quantile(values: readonly number[], q: number): number {
    if (!(q >= 0 && q <= 1)) {
        throw new RangeError(`quantile ${q} is outside 0..1`);
    }
    if (values.length === 0) {
        return NaN;
    }
    const sorted = [...values].sort((a, b) => a - b);
    const rank = Math.max(1, Math.ceil(q * sorted.length));
    return sorted[rank - 1];
}

export interface Spread {
    readonly min: number;
    readonly median: number;
    readonly max: number;
    readonly runs: number;
}

/** min / median / max over runs (the median of an even count is the mean of the middle two). */
export function spread(values: readonly number[]): Spread {
    if (values.length === 0) {
        return { min: NaN, median: NaN, max: NaN, runs: 0 };
    }
    const s = [...values].sort((a, b) => a - b);
    const mid = Math.floor(s.length / 2);
    const median = s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
    return { min: s[0], median, max: s[s.length - 1], runs: s.length };
}

/**
 * The longest stretch (ms) of the window [start, end] with no successful response: between
 * consecutive successes, and from the window's edges to the first and after the last one.
 */
export function longestGap(successTimes: readonly number[], start: number, end: number): number {
    if (end < start) {
        throw new RangeError(`window ends (${end}) before it starts (${start})`);
    }
    const inside = successTimes.filter((t) => t >= start && t <= end).sort((a, b) => a - b);
    let gap = 0;
    let prev = start;
    for (const t of inside) {
        gap = Math.max(gap, t - prev);
        prev = t;
    }
    return Math.max(gap, end - prev);
}

export type Growth = "constant" | "linear" | "worse than linear";

/**
 * How a cost grows with a size: the slope of a least-squares line through the points, against
 * the cost at the smallest size. Constant when the line adds under 10% of that cost per doubling
 * of the range; worse than linear when the last step costs more than twice what the line
 * predicts from the others.
 */
export function growth(points: readonly { size: number; cost: number }[]): Growth {
    if (points.length < 2) {
        throw new RangeError("growth needs at least two sizes");
    }
    const p = [...points].sort((a, b) => a.size - b.size);
    const { slope } = fit(p);
    const base = p[0].cost;
    const range = p[p.length - 1].size - p[0].size;
    if (slope * range < 0.1 * base) {
        return "constant";
    }
    if (p.length >= 3) {
        const head = fit(p.slice(0, -1));
        const last = p[p.length - 1];
        const predictedStep = head.slope * (last.size - p[p.length - 2].size);
        const actualStep = last.cost - p[p.length - 2].cost;
        if (predictedStep > 0 && actualStep > 2 * predictedStep) {
            return "worse than linear";
        }
    }
    return "linear";
}

function fit(p: readonly { size: number; cost: number }[]): { slope: number; intercept: number } {
    const n = p.length;
    const mx = p.reduce((a, q) => a + q.size, 0) / n;
    const my = p.reduce((a, q) => a + q.cost, 0) / n;
    const sxx = p.reduce((a, q) => a + (q.size - mx) ** 2, 0);
    const sxy = p.reduce((a, q) => a + (q.size - mx) * (q.cost - my), 0);
    const slope = sxx === 0 ? 0 : sxy / sxx;
    return { slope, intercept: my - slope * mx };
}

/** A number for the table: 3 significant digits, thousands kept whole; "-" for NaN. */
export function fmt(v: number): string {
    if (!Number.isFinite(v)) {
        return "-";
    }
    if (Math.abs(v) >= 100) {
        return String(Math.round(v));
    }
    return String(Number(v.toPrecision(3)));
}

/** A Markdown table; cells are escaped so a `|` in a value cannot break the row. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
    const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");
    for (const r of rows) {
        if (r.length !== header.length) {
            throw new RangeError(`a row has ${r.length} cells, the header ${header.length}`);
        }
    }
    const line = (r: readonly string[]) => `| ${r.map(cell).join(" | ")} |`;
    return [line(header), `| ${header.map(() => "---").join(" | ")} |`, ...rows.map(line)].join("\n");
}
