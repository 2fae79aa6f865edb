/**
 * How many containers each colour runs in this update (docs/decisions.md "Scale-down of the idle
 * colour"). The live colour, and a colour with a canary share, always run `replicas`. The idle
 * colour stays warm (all `replicas`) for `delayMs` after it stopped serving (after a promote, or
 * after a new version was put on it), so a rollback inside that time only moves traffic; the
 * first update after it runs it at `idleReplicas`. The clock is the stack's own output
 * `colorScale` (what the previous update decided), so the stack file and the state stay the truth:
 * only the passing of time makes a scale-down due, and every update and preview says so.
 * Pure: the program passes the current time in.
 */
import { Color, COLORS, isColor, perColor } from "./color";
import { formatDuration } from "./duration";

export type ScaleState = "live" | "canary" | "warm" | "scaled-down";

/** One colour's scale, as decided and recorded (stack output `colorScale`). */
export interface ColorScale {
    readonly state: ScaleState;
    /** Containers it runs after this update. */
    readonly replicas: number;
    /** When it stopped serving (ISO time); null while live or canary. */
    readonly idleSince: string | null;
    /** When it drops to idleReplicas (ISO time); null while live or canary. */
    readonly scaleDownAt: string | null;
}

export interface ScaleInput {
    readonly activeColor: Color;
    readonly canaryPermille: number;
    /** Each colour's version in this update. */
    readonly versions: Readonly<Record<Color, string>>;
    /**
     * The previous update's outputs `activeColor`, `versions` and `colorScale`, as read back (a first
     * update, or a stack deployed by an earlier program, has some or none of them).
     */
    readonly previous: { readonly activeColor?: unknown; readonly versions?: unknown; readonly colorScale?: unknown };
    readonly replicas: number;
    readonly idleReplicas: number;
    readonly delayMs: number;
    /** Now, in milliseconds since the epoch. */
    readonly now: number;
}

/** The recorded idleSince of a colour, when the previous output holds a valid one. */
function recordedIdleSince(previous: unknown, c: Color): number | undefined {
    if (previous === null || typeof previous !== "object") return undefined;
    const entry = (previous as Record<string, unknown>)[c];
    if (entry === null || typeof entry !== "object") return undefined;
    const since = (entry as Record<string, unknown>).idleSince;
    if (typeof since !== "string") return undefined;
    const t = Date.parse(since);
    return Number.isFinite(t) ? t : undefined;
}

export function planScale(s: ScaleInput): Record<Color, ColorScale> {
    return perColor((c): ColorScale => {
        if (c === s.activeColor) {
            return { state: "live", replicas: s.replicas, idleSince: null, scaleDownAt: null };
        }
        if (s.canaryPermille > 0) {
            return { state: "canary", replicas: s.replicas, idleSince: null, scaleDownAt: null };
        }
        const recorded = recordedIdleSince(s.previous.colorScale, c);
        const versions = s.previous.versions;
        const before = versions !== null && typeof versions === "object" ? (versions as Record<string, unknown>)[c] : undefined;
        // The clock starts now when the colour just stopped serving, got a new version, or when no
        // valid time is recorded (a first update, or a stack deployed by an earlier program).
        const fresh =
            recorded === undefined ||
            recorded > s.now ||
            !isColor(s.previous.activeColor) ||
            s.previous.activeColor === c ||
            before !== s.versions[c];
        const since = fresh ? s.now : recorded;
        const at = since + s.delayMs;
        const due = s.now >= at;
        return {
            state: due ? "scaled-down" : "warm",
            replicas: due ? Math.min(s.idleReplicas, s.replicas) : s.replicas,
            idleSince: new Date(since).toISOString(),
            scaleDownAt: new Date(at).toISOString(),
        };
    });
}

/** Containers each colour ran after the previous update, from its `colorScale` output (undefined where unknown). */
export function previousReplicas(previous: unknown): Partial<Record<Color, number>> {
    const out: Partial<Record<Color, number>> = {};
    if (previous === null || typeof previous !== "object") return out;
    for (const c of COLORS) {
        const entry = (previous as Record<string, unknown>)[c];
        const n = entry !== null && typeof entry === "object" ? (entry as Record<string, unknown>).replicas : undefined;
        if (typeof n === "number" && Number.isInteger(n) && n >= 0) out[c] = n;
    }
    return out;
}

/** One log line per idle colour: what this update does to its scale, and when the next step is due. */
export function describeScale(
    plan: Readonly<Record<Color, ColorScale>>,
    before: Partial<Record<Color, number>>,
    s: Pick<ScaleInput, "replicas" | "idleReplicas" | "delayMs">,
): string[] {
    const lines: string[] = [];
    for (const c of COLORS) {
        const p = plan[c];
        const was = before[c];
        if (p.state === "scaled-down") {
            const change = was === undefined || was === p.replicas ? `runs ${p.replicas}` : `scales down ${was} -> ${p.replicas}`;
            lines.push(
                `switchyard: ${c} (idle since ${p.idleSince}, app.scaleDownDelay ${formatDuration(s.delayMs)} passed at ${p.scaleDownAt}) ${change} replica(s) (app.idleReplicas)`,
            );
        } else if (p.state === "warm") {
            const up = was !== undefined && was < p.replicas ? ` (scales up ${was} -> ${p.replicas})` : "";
            lines.push(
                `switchyard: ${c} (idle since ${p.idleSince}) stays warm with ${p.replicas} replica(s)${up} until ${p.scaleDownAt}; the first update after that scales it to ${Math.min(s.idleReplicas, s.replicas)} (app.idleReplicas)`,
            );
        } else if (was !== undefined && was < p.replicas) {
            lines.push(
                `switchyard: ${c} (${p.state}) scales up ${was} -> ${p.replicas} replica(s) through its health gate before it gets traffic`,
            );
        }
    }
    return lines;
}

/** A scale-down the passing of time made due: recorded warm, its scaleDownAt passed. */
export interface DueScaleDown {
    readonly color: Color;
    readonly replicas: number;
    readonly idleSince: string;
    readonly scaleDownAt: string;
}

/** The idle colours whose scale-down is due at `now`, from the stack output `colorScale`. */
export function dueScaleDowns(colorScale: unknown, now: number): DueScaleDown[] {
    if (colorScale === null || typeof colorScale !== "object") return [];
    const out: DueScaleDown[] = [];
    for (const c of COLORS) {
        const e = (colorScale as Record<string, unknown>)[c] as Partial<Record<keyof ColorScale, unknown>> | null | undefined;
        if (!e || e.state !== "warm" || typeof e.scaleDownAt !== "string" || typeof e.idleSince !== "string") continue;
        const at = Date.parse(e.scaleDownAt);
        if (Number.isFinite(at) && at <= now) {
            out.push({
                color: c,
                replicas: typeof e.replicas === "number" ? e.replicas : 0,
                idleSince: e.idleSince,
                scaleDownAt: e.scaleDownAt,
            });
        }
    }
    return out;
}

/** What happens next to `color` (stack output `colorScale`), for the release driver's last words; undefined when it is not idle and warm. */
export function warmUntil(colorScale: unknown, color: Color): string | undefined {
    const e =
        colorScale !== null && typeof colorScale === "object"
            ? ((colorScale as Record<string, unknown>)[color] as Partial<Record<keyof ColorScale, unknown>> | undefined)
            : undefined;
    if (!e || e.state !== "warm" || typeof e.scaleDownAt !== "string") return undefined;
    return `${color} stays warm (${String(e.replicas)} replicas) for an instant rollback until ${e.scaleDownAt} (app.scaleDownDelay); the first update after that (switchyard up) scales it down to app.idleReplicas`;
}
