import { Color, COLORS, otherColor } from "./color";

/** Routing resolution: 0.1 percentage point, so weights are held as integer permille (0..1000). */
export const PERMILLE = 1000;

/**
 * Converts a canary weight in percent (0..100, steps of 0.1) to integer permille. Throws on values
 * off the 0.1 grid or out of range: the config schema rejects those first with a keyed message.
 */
export function toPermille(weightPercent: number): number {
    if (!Number.isFinite(weightPercent) || weightPercent < 0 || weightPercent > 100) {
        throw new RangeError(`canary weight ${weightPercent} is outside 0..100`);
    }
    const p = Math.round(weightPercent * 10);
    if (Math.abs(p - weightPercent * 10) > 1e-6) {
        throw new RangeError(`canary weight ${weightPercent} is not a multiple of 0.1`);
    }
    return p;
}

/** Share of traffic per colour, in permille; always sums to exactly 1000. */
export type Shares = Record<Color, number>;

/** The split of traffic: the active colour takes what the canary (the other colour) does not. */
export function sharesFor(active: Color, canaryPermille: number): Shares {
    if (!Number.isInteger(canaryPermille) || canaryPermille < 0 || canaryPermille > PERMILLE) {
        throw new RangeError(`canary permille ${canaryPermille} is outside 0..${PERMILLE}`);
    }
    const canary = otherColor(active);
    return { [active]: PERMILLE - canaryPermille, [canary]: canaryPermille } as Shares;
}

/** Permille as a percent number with one decimal (`105` -> `10.5`). */
export function percent(permille: number): number {
    return permille / 10;
}

function gcd(a: number, b: number): number {
    return b === 0 ? a : gcd(b, a % b);
}

export interface WeightedServer {
    readonly color: Color;
    /** Index of the replica within its colour. */
    readonly replica: number;
    /** nginx `server ... weight=N` (a positive integer). */
    readonly weight: number;
}

/**
 * Server weights of the split pool, so that nginx's smooth weighted round-robin gives each colour
 * exactly its share whatever the replica counts. A colour with share 0 has no server in the pool
 * (it receives no request at all) and may have no container. Weights are reduced by their common divisor.
 */
export function splitPoolWeights(shares: Shares, replicas: Record<Color, number>): WeightedServer[] {
    for (const c of COLORS) {
        // A colour with no share may have no container (the idle colour scaled to 0).
        if (!Number.isInteger(replicas[c]) || replicas[c] < (shares[c] === 0 ? 0 : 1)) {
            throw new RangeError(`replicas for ${c} must be a positive integer, got ${replicas[c]}`);
        }
    }
    // A server of colour c gets shares[c] * (replicas of the other colour): colour totals are then
    // shares[c] * replicas.blue * replicas.green, i.e. exactly proportional to the shares.
    const raw = COLORS.flatMap((c) =>
        shares[c] === 0
            ? []
            : Array.from({ length: replicas[c] }, (_, i) => ({
                  color: c,
                  replica: i,
                  // A colour with no container has no share, so the factor only matters when it is >= 1.
                  weight: shares[c] * Math.max(1, replicas[otherColor(c)]),
              })),
    );
    const g = raw.reduce((acc, s) => gcd(acc, s.weight), 0);
    return raw.map((s) => ({ ...s, weight: s.weight / g }));
}
