import { Color, COLORS, isColor } from "./color";

/**
 * What a colour's containers are built from, apart from the image: the settings a change to which
 * replaces its containers. Recorded per colour in the stack output `colorSpecs`, so the next update
 * knows what the live colour was released with. Secret env values are kept apart (output
 * `colorSecretEnv`, a secret); only their names are here.
 */
export interface ColorSpec {
    readonly version: string;
    /** Plain env of the colour: app.env with colors.<c>.env over it. */
    readonly env: Readonly<Record<string, string>>;
    readonly resources: { readonly cpus: number; readonly memoryMb: number };
    readonly healthcheck: {
        readonly path: string;
        readonly intervalSeconds: number;
        readonly timeoutSeconds: number;
        readonly retries: number;
        readonly startPeriodSeconds: number;
        readonly command?: readonly string[];
    };
    readonly secretEnvNames: readonly string[];
}

/** What the stack recorded in its last update (its own outputs); every field may be missing. */
export interface PreviousColors {
    readonly activeColor?: Color;
    readonly versions?: Partial<Record<Color, string>>;
    readonly specs?: Partial<Record<Color, ColorSpec>>;
}

export interface LiveColorInput {
    /** activeColor of this update's config. */
    readonly activeColor: Color;
    readonly previous: PreviousColors;
    /** Each colour's spec as the config now says. */
    readonly desired: Readonly<Record<Color, ColorSpec>>;
    /** colors.<c>.roll: apply the config to this colour even while it is live. */
    readonly roll: Readonly<Record<Color, boolean>>;
    /** colors.<c>.emergencyOverride.reason: allow a version change on the live colour. */
    readonly emergency: Readonly<Partial<Record<Color, string>>>;
}

export interface LiveColorPlan {
    /** The colour serving the traffic when this update starts; unset on a first deployment. */
    readonly live?: Color;
    /** The spec each colour runs after this update. */
    readonly effective: Record<Color, ColorSpec>;
    /** Whether a colour keeps its previous spec (and its previous secret env values). */
    readonly pinned: Record<Color, boolean>;
    /** Settings in which a pinned colour differs from the config: applied once traffic has moved or it is rolled. */
    readonly pending: Record<Color, string[]>;
    /** What this update changes per colour (settings, `version a -> b`); empty: its containers are not touched. */
    readonly touched: Record<Color, string[]>;
    /** The live colour's version changed under colors.<c>.emergencyOverride: the reason. */
    readonly emergencyOverride?: { readonly color: Color; readonly reason: string };
}

export type LiveColorResult = { ok: true; plan: LiveColorPlan } | { ok: false; reason: string };

/** The settings in which two specs differ, in a fixed order (`version` first). */
export function specDiff(a: ColorSpec, b: ColorSpec): string[] {
    const out: string[] = [];
    if (a.version !== b.version) {
        out.push("version");
    }
    const keys = [...new Set([...Object.keys(a.env), ...Object.keys(b.env)])].sort();
    for (const k of keys) {
        if (a.env[k] !== b.env[k]) {
            out.push(`env.${k}`);
        }
    }
    if (canonical(a.resources) !== canonical(b.resources)) {
        out.push("resources");
    }
    if (canonical(a.healthcheck) !== canonical(b.healthcheck)) {
        out.push("healthcheck");
    }
    if ([...a.secretEnvNames].sort().join(",") !== [...b.secretEnvNames].sort().join(",")) {
        out.push("secretEnv names");
    }
    return out;
}

/** JSON with sorted keys and no undefined fields: recorded outputs may list keys in another order. */
export function canonical(v: object): string {
    return JSON.stringify(v, (_k, x: unknown) =>
        x !== null && typeof x === "object" && !Array.isArray(x)
            ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([p], [q]) => p.localeCompare(q)))
            : x,
    );
}

/** A recorded spec only counts if it has every field this program reads (older outputs may not). */
export function isColorSpec(v: unknown): v is ColorSpec {
    if (typeof v !== "object" || v === null) {
        return false;
    }
    const s = v as Record<string, unknown>;
    const h = s.healthcheck as Record<string, unknown> | undefined;
    const r = s.resources as Record<string, unknown> | undefined;
    return (
        typeof s.version === "string" &&
        typeof s.env === "object" &&
        s.env !== null &&
        typeof r?.cpus === "number" &&
        typeof r?.memoryMb === "number" &&
        typeof h?.path === "string" &&
        typeof h?.intervalSeconds === "number" &&
        typeof h?.timeoutSeconds === "number" &&
        typeof h?.retries === "number" &&
        typeof h?.startPeriodSeconds === "number" &&
        Array.isArray(s.secretEnvNames)
    );
}

/** Reads the stack's previous outputs defensively: anything malformed counts as not recorded. */
export function previousColors(outputs: { activeColor?: unknown; versions?: unknown; colorSpecs?: unknown }): PreviousColors {
    const versions =
        typeof outputs.versions === "object" && outputs.versions !== null
            ? (Object.fromEntries(
                  COLORS.flatMap((c) => {
                      const v = (outputs.versions as Record<string, unknown>)[c];
                      return typeof v === "string" ? [[c, v]] : [];
                  }),
              ) as Partial<Record<Color, string>>)
            : undefined;
    const specs =
        typeof outputs.colorSpecs === "object" && outputs.colorSpecs !== null
            ? (Object.fromEntries(
                  COLORS.flatMap((c) => {
                      const s = (outputs.colorSpecs as Record<string, unknown>)[c];
                      return isColorSpec(s) ? [[c, s]] : [];
                  }),
              ) as Partial<Record<Color, ColorSpec>>)
            : undefined;
    return { activeColor: isColor(outputs.activeColor) ? outputs.activeColor : undefined, versions, specs };
}

/**
 * Blue/green that never touches the live colour (docs/decisions.md "Live colour protection").
 * The live colour is the one that was active when this update starts (the previous outputs). Its
 * version may not change (nor may the colour about to become active have a new version: it would
 * take traffic with containers no canary has seen), unless an emergency override says why. Any
 * other change the config makes to the live colour (shared env, resources, healthcheck, secret env
 * values) waits: the live colour keeps the spec it was released with until traffic has moved off
 * it (it is idle in a later update) or the operator sets colors.<live>.roll.
 */
export function planLiveColor(input: LiveColorInput): LiveColorResult {
    const { previous, desired } = input;
    const live = previous.activeColor;
    const pinned = { blue: false, green: false };
    const effective = { ...desired };
    const pending: Record<Color, string[]> = { blue: [], green: [] };
    const touched: Record<Color, string[]> = { blue: [], green: [] };
    let emergencyOverride: LiveColorPlan["emergencyOverride"];

    if (live !== undefined) {
        // The colour live now, and the one that takes the traffic at the end of this update.
        for (const c of [...new Set([live, input.activeColor])]) {
            const before = previous.versions?.[c];
            const after = desired[c].version;
            if (before === undefined || before === after) {
                continue;
            }
            const reason = input.emergency[c];
            if (reason === undefined) {
                const role =
                    c === live ? `the live colour (activeColor was ${live})` : `about to become active (activeColor ${input.activeColor})`;
                return {
                    ok: false,
                    reason:
                        `colors.${c}.version: ${before} -> ${after} on ${c}, ${role}; nothing was changed. ` +
                        `A release goes to the idle colour: set colors.${otherOf(c)}.version ${after} instead, let its gate pass, then move the traffic ` +
                        `(canary.weight, then activeColor ${otherOf(c)}). ` +
                        `If this must go to ${c} now (its containers are replaced while they serve), set ` +
                        `colors.${c}.emergencyOverride.reason to the incident and who approved it; it is recorded in the output liveColor.`,
                };
            }
            emergencyOverride = { color: c, reason };
        }
        const spec = previous.specs?.[live];
        if (spec !== undefined && !input.roll[live] && emergencyOverride?.color !== live) {
            pinned[live] = true;
            effective[live] = spec;
            pending[live] = specDiff(spec, desired[live]);
        }
    }
    for (const c of COLORS) {
        const before = previous.specs?.[c];
        if (before === undefined) {
            if (previous.versions?.[c] !== undefined && previous.versions[c] !== effective[c].version) {
                touched[c] = [`version ${previous.versions[c]} -> ${effective[c].version}`];
            }
            continue;
        }
        touched[c] = specDiff(before, effective[c]).map((k) =>
            k === "version" ? `version ${before.version} -> ${effective[c].version}` : k,
        );
    }
    return { ok: true, plan: { live, effective, pinned, pending, touched, emergencyOverride } };
}

function otherOf(c: Color): Color {
    return c === "blue" ? "green" : "blue";
}

/** One line for the update's log: which colour this update touches, and what waits on the live one. */
export function describeLiveColor(plan: LiveColorPlan): string {
    const parts = COLORS.map((c) => {
        const role = c === plan.live ? "live" : "idle";
        const t = plan.touched[c].length > 0 ? `touches ${c} (${role}): ${plan.touched[c].join(", ")}` : `leaves ${c} (${role}) as it is`;
        const p =
            plan.pending[c].length > 0
                ? `; ${c} keeps its released spec, pending: ${plan.pending[c].join(", ")} (applied when it is idle, or with colors.${c}.roll)`
                : "";
        return t + p;
    });
    return `switchyard: this update ${parts.join("; ")}`;
}
