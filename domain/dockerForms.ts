/**
 * Values in the exact form the official docker provider reads them back from the daemon. A value
 * written any other way ("1" for one CPU, "60s" for a minute) differs from the refreshed state on
 * every run, and for `cpus` that difference replaces the container.
 */

const NANO = 1_000_000_000n;

/** Whole nanos of a decimal written with at most 9 fraction digits, or undefined. */
export function nanosOf(decimal: string): bigint | undefined {
    const m = /^(\d+)(?:\.(\d{0,9}))?$/.exec(decimal);
    if (!m) {
        return undefined;
    }
    return BigInt(m[1]) * NANO + BigInt((m[2] ?? "").padEnd(9, "0"));
}

/**
 * `cpus` as the provider's refresh writes it (`nanoInt64ToDecimalString`): the nine-digit
 * fraction with trailing zeros cut, except that a string with exactly nine zeros in it is
 * printed with one decimal, rounded ("1.0", "0.5", and 0.05 as "0.1").
 */
export function cpusReadBack(nanos: bigint): string {
    if (nanos === 0n) {
        return "0";
    }
    const nine = `${nanos / NANO}.${(nanos % NANO).toString().padStart(9, "0")}`;
    if ((nine.match(/0/g) ?? []).length === 9) {
        // big.Rat FloatString(1): rounds half away from zero.
        const tenths = (nanos + 50_000_000n) / 100_000_000n;
        return `${tenths / 10n}.${tenths % 10n}`;
    }
    return nine.replace(/0+$/, "");
}

/** The provider's `cpus` for a number of CPUs, or why it cannot hold still across refreshes. */
export function dockerCpus(cpus: number): { ok: true; value: string } | { ok: false; reason: string } {
    const nanos = Number.isFinite(cpus) && cpus > 0 ? nanosOf(cpus.toFixed(9)) : undefined;
    if (nanos === undefined || Math.abs(Number(nanos) / 1e9 - cpus) > 1e-12) {
        return { ok: false, reason: `${cpus} is not a positive number of CPUs with at most 9 decimals` };
    }
    const value = cpusReadBack(nanos);
    if (nanosOf(value) !== nanos) {
        return {
            ok: false,
            reason: `the docker provider reads ${cpus} CPUs back as "${value}", so every update would replace the containers; use a value such as ${Number(value) || 0.1}`,
        };
    }
    return { ok: true, value };
}

const UNITS: [bigint, string][] = [
    [1_000_000n, "ms"],
    [1_000n, "µs"],
    [1n, "ns"],
];

/** Go's `time.Duration.String()` of a number of seconds: `2s`, `1.5s`, `1m0s`, `500ms`, `0s`. */
export function goDuration(seconds: number): string {
    const ns = BigInt(Math.round(seconds * 1e9));
    if (ns === 0n) {
        return "0s";
    }
    if (ns < 0n) {
        return `-${goDuration(-seconds)}`;
    }
    const fraction = (n: bigint, unit: bigint) => {
        const whole = n / unit;
        const rest = (n % unit)
            .toString()
            .padStart(unit.toString().length - 1, "0")
            .replace(/0+$/, "");
        return rest ? `${whole}.${rest}` : `${whole}`;
    };
    if (ns < NANO) {
        const [unit, suffix] = UNITS.find(([u]) => ns >= u)!;
        return `${fraction(ns, unit)}${suffix}`;
    }
    const h = ns / (3600n * NANO);
    const m = (ns / (60n * NANO)) % 60n;
    const s = fraction(ns % (60n * NANO), NANO);
    return `${h > 0n ? `${h}h` : ""}${h > 0n || m > 0n ? `${m}m` : ""}${s}s`;
}
