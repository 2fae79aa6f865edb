/**
 * Deployment windows: when a release may go out. Pure functions, no clock of their own: callers pass
 * the instant. Local wall-clock time in an IANA time zone comes from `Intl.DateTimeFormat`, so
 * daylight-saving changes are handled by the runtime's time-zone database (a window of 10:00-14:00
 * Europe/Paris is 08:00-12:00 UTC in summer and 09:00-13:00 UTC in winter).
 *
 * A window is a set of weekdays and a local time range [start, end). When `end` is not after `start`
 * the range runs past midnight and belongs to the day it starts on (Fri 22:00-02:00 includes
 * Saturday 01:00). Outside the window a release needs an emergency override with a non-empty reason.
 */

export const WEEKDAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export interface DeploymentWindow {
    /** Local weekdays on which the window opens. */
    readonly days: readonly Weekday[];
    /** Local opening time `HH:MM` (00:00-23:59). */
    readonly start: string;
    /** Local closing time `HH:MM` (00:00-24:00), exclusive; not after `start` = past midnight. */
    readonly end: string;
    /** IANA time zone (`UTC`, `Europe/Paris`, `America/New_York`). */
    readonly timeZone: string;
}

/** The default window: Tuesday to Thursday, 10:00 to 14:00 UTC. */
export const DEFAULT_WINDOW: DeploymentWindow = Object.freeze({
    days: Object.freeze(["tue", "wed", "thu"] as Weekday[]),
    start: "10:00",
    end: "14:00",
    timeZone: "UTC",
});

const DAY_NAMES: Record<string, Weekday> = {
    sun: "sun",
    sunday: "sun",
    mon: "mon",
    monday: "mon",
    tue: "tue",
    tues: "tue",
    tuesday: "tue",
    wed: "wed",
    wednesday: "wed",
    thu: "thu",
    thur: "thu",
    thurs: "thu",
    thursday: "thu",
    fri: "fri",
    friday: "fri",
    sat: "sat",
    saturday: "sat",
};

const HHMM = /^([01]\d|2[0-4]):([0-5]\d)$/;

/** Minutes after local midnight of `HH:MM`, or undefined when malformed (24:00 only as an end). */
export function parseClock(s: string, allowEndOfDay = false): number | undefined {
    const m = HHMM.exec(s);
    if (!m) {
        return undefined;
    }
    const minutes = Number(m[1]) * 60 + Number(m[2]);
    if (minutes > 24 * 60 || (minutes === 24 * 60 && !allowEndOfDay)) {
        return undefined;
    }
    return minutes;
}

/** True when the runtime knows the IANA zone. */
export function isValidTimeZone(tz: string): boolean {
    if (typeof tz !== "string" || tz.trim() === "") {
        return false;
    }
    try {
        new Intl.DateTimeFormat("en-US", { timeZone: tz });
        return true;
    } catch {
        return false;
    }
}

export type WindowCheck = { ok: true; window: DeploymentWindow } | { ok: false; errors: string[] };

/**
 * Validates a window as written in config (every field optional, defaults from DEFAULT_WINDOW). Day
 * names are case-insensitive (`Tue`, `tuesday`). Returns every problem at once.
 */
export function parseWindow(raw: unknown): WindowCheck {
    if (raw === undefined || raw === null) {
        return { ok: true, window: DEFAULT_WINDOW };
    }
    if (typeof raw !== "object" || Array.isArray(raw)) {
        return { ok: false, errors: [`deployment window must be an object {days, start, end, timeZone} (got ${JSON.stringify(raw)})`] };
    }
    const r = raw as Record<string, unknown>;
    const errors: string[] = [];
    let days: Weekday[] = [...DEFAULT_WINDOW.days];
    if (r.days !== undefined) {
        if (!Array.isArray(r.days) || r.days.length === 0) {
            errors.push(`days must be a non-empty list of weekdays such as ["tue", "wed", "thu"] (got ${JSON.stringify(r.days)})`);
        } else {
            days = [];
            for (const d of r.days) {
                const day = typeof d === "string" ? DAY_NAMES[d.trim().toLowerCase()] : undefined;
                if (!day) {
                    errors.push(`days: '${String(d)}' is not a weekday; use mon, tue, wed, thu, fri, sat or sun`);
                } else if (!days.includes(day)) {
                    days.push(day);
                }
            }
            days.sort((a, b) => WEEKDAYS.indexOf(a) - WEEKDAYS.indexOf(b));
        }
    }
    const start = r.start === undefined ? DEFAULT_WINDOW.start : r.start;
    const end = r.end === undefined ? DEFAULT_WINDOW.end : r.end;
    const startMin = typeof start === "string" ? parseClock(start) : undefined;
    const endMin = typeof end === "string" ? parseClock(end, true) : undefined;
    if (startMin === undefined) {
        errors.push(`start must be a local time HH:MM from 00:00 to 23:59 (got ${JSON.stringify(start)})`);
    }
    if (endMin === undefined) {
        errors.push(`end must be a local time HH:MM from 00:00 to 24:00 (got ${JSON.stringify(end)})`);
    }
    if (startMin !== undefined && endMin !== undefined && startMin === endMin) {
        errors.push(`start and end are both ${String(start)}: the window would be empty or a whole day; for whole days use 00:00-24:00`);
    }
    const timeZone = r.timeZone === undefined ? DEFAULT_WINDOW.timeZone : r.timeZone;
    if (typeof timeZone !== "string" || !isValidTimeZone(timeZone)) {
        errors.push(`timeZone must be an IANA time zone such as UTC or Europe/Paris (got ${JSON.stringify(timeZone)})`);
    }
    for (const k of Object.keys(r)) {
        if (!["days", "start", "end", "timeZone"].includes(k)) {
            errors.push(`unknown key '${k}'; allowed: days, start, end, timeZone`);
        }
    }
    if (errors.length > 0) {
        return { ok: false, errors };
    }
    return { ok: true, window: { days, start: start as string, end: end as string, timeZone: timeZone as string } };
}

/** Wall-clock time of an instant in a time zone. */
export interface LocalTime {
    readonly weekday: Weekday;
    /** Minutes after local midnight (0..1439). */
    readonly minutes: number;
    /** `YYYY-MM-DD HH:MM` local. */
    readonly text: string;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
    let f = formatters.get(timeZone);
    if (!f) {
        f = new Intl.DateTimeFormat("en-US", {
            timeZone,
            hourCycle: "h23",
            weekday: "short",
            year: "numeric",
            month: "2-digit",
            day: "2-digit",
            hour: "2-digit",
            minute: "2-digit",
        });
        formatters.set(timeZone, f);
    }
    return f;
}

/** The local weekday and time of `at` in `timeZone` (DST-correct through Intl). */
export function localTime(at: Date, timeZone: string): LocalTime {
    if (Number.isNaN(at.getTime())) {
        throw new RangeError("localTime: invalid date");
    }
    const parts: Record<string, string> = {};
    for (const p of formatter(timeZone).formatToParts(at)) {
        parts[p.type] = p.value;
    }
    const weekday = parts.weekday.toLowerCase().slice(0, 3) as Weekday;
    const hour = Number(parts.hour) % 24;
    const minute = Number(parts.minute);
    const hh = String(hour).padStart(2, "0");
    return { weekday, minutes: hour * 60 + minute, text: `${parts.year}-${parts.month}-${parts.day} ${hh}:${parts.minute}` };
}

/** True when `at` falls inside the window. */
export function isInWindow(at: Date, w: DeploymentWindow): boolean {
    const t = localTime(at, w.timeZone);
    const start = parseClock(w.start) as number;
    const end = parseClock(w.end, true) as number;
    if (start < end) {
        return w.days.includes(t.weekday) && t.minutes >= start && t.minutes < end;
    }
    // Past midnight: the evening part belongs to the listed day, the early-morning part to the day before.
    const yesterday = WEEKDAYS[(WEEKDAYS.indexOf(t.weekday) + 6) % 7];
    return (w.days.includes(t.weekday) && t.minutes >= start) || (w.days.includes(yesterday) && t.minutes < end);
}

const MINUTE = 60_000;

/**
 * The first minute at or after `at` that is inside the window (searching 8 days ahead), or undefined
 * when there is none (cannot happen for a valid window, kept for safety).
 */
export function nextOpening(at: Date, w: DeploymentWindow): Date | undefined {
    let t = Math.ceil(at.getTime() / MINUTE) * MINUTE;
    for (let i = 0; i <= 8 * 24 * 60; i++, t += MINUTE) {
        const d = new Date(t);
        if (isInWindow(d, w)) {
            return d;
        }
    }
    return undefined;
}

const DAY_LABEL: Record<Weekday, string> = { sun: "Sun", mon: "Mon", tue: "Tue", wed: "Wed", thu: "Thu", fri: "Fri", sat: "Sat" };

/** `Tue, Wed, Thu 10:00-14:00 UTC`. */
export function describeWindow(w: DeploymentWindow): string {
    return `${w.days.map((d) => DAY_LABEL[d]).join(", ")} ${w.start}-${w.end} ${w.timeZone}`;
}

/** An emergency override as the stack declares it. */
export interface WindowOverride {
    readonly reason?: unknown;
}

export type WindowDecision =
    | { readonly allowed: true; readonly inWindow: true; readonly message: string }
    | { readonly allowed: true; readonly inWindow: false; readonly overrideReason: string; readonly message: string }
    | { readonly allowed: false; readonly inWindow: false; readonly message: string };

/**
 * May a release go out at `at`? Inside the window: yes. Outside: only with an override whose reason
 * is a non-empty string (after trimming); the message says when the window opens next.
 */
export function decideRelease(at: Date, w: DeploymentWindow, override?: WindowOverride | null): WindowDecision {
    const local = localTime(at, w.timeZone);
    const when = `${DAY_LABEL[local.weekday]} ${local.text} ${w.timeZone}`;
    if (isInWindow(at, w)) {
        return { allowed: true, inWindow: true, message: `${when} is inside the deployment window (${describeWindow(w)})` };
    }
    const reason = override && typeof override.reason === "string" ? override.reason.trim() : "";
    if (reason !== "") {
        return {
            allowed: true,
            inWindow: false,
            overrideReason: reason,
            message: `${when} is outside the deployment window (${describeWindow(w)}); allowed by emergency override: ${reason}`,
        };
    }
    const next = nextOpening(at, w);
    const nextText = next
        ? (() => {
              const n = localTime(next, w.timeZone);
              return `${DAY_LABEL[n.weekday]} ${n.text} ${w.timeZone} (${next.toISOString()})`;
          })()
        : "never";
    const why = override ? "an emergency override was given without a reason" : "no emergency override was given";
    return {
        allowed: false,
        inWindow: false,
        message:
            `${when} is outside the deployment window (${describeWindow(w)}) and ${why}. ` +
            `Release when the window next opens, ${nextText}, or declare an emergency override with a non-empty reason`,
    };
}
