/**
 * Durations as release config writes them: a number and a unit (`500ms`, `30s`, `2m`, `1h`), or
 * compound (`1m30s`). Held as milliseconds.
 */
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
const WHOLE = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h))+$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds of a duration, or undefined when it is not one (`10`, `2 m`, `-1s`, `1d`). */
export function parseDuration(text: string): number | undefined {
    if (typeof text !== "string" || !WHOLE.test(text)) {
        return undefined;
    }
    let ms = 0;
    for (const m of text.matchAll(PART)) {
        ms += Number(m[1]) * UNIT_MS[m[2]];
    }
    return Math.round(ms);
}

/** `90500` -> `1m30.5s`; `0` -> `0s`. The inverse of parseDuration for whole milliseconds. */
export function formatDuration(ms: number): string {
    if (ms === 0) {
        return "0s";
    }
    const h = Math.floor(ms / 3_600_000);
    const m = Math.floor((ms % 3_600_000) / 60_000);
    const s = (ms % 60_000) / 1000;
    return `${h ? `${h}h` : ""}${m ? `${m}m` : ""}${s ? `${Number(s.toFixed(3))}s` : ""}`;
}
