import * as fc from "fast-check";
import {
    decideRelease,
    DEFAULT_WINDOW,
    DeploymentWindow,
    describeWindow,
    isInWindow,
    localTime,
    nextOpening,
    parseWindow,
    Weekday,
    WEEKDAYS,
} from "./window";

const at = (iso: string) => new Date(iso);
const w = (patch: Partial<DeploymentWindow>): DeploymentWindow => ({ ...DEFAULT_WINDOW, ...patch });

describe("default window: Tue-Thu 10:00-14:00 UTC, across the week's edges", () => {
    test.each([
        ["2026-11-23T23:59:59Z", "mon", false], // Monday night, just before Tuesday
        ["2026-11-24T00:00:00Z", "tue", false], // Tuesday, but before 10:00
        ["2026-11-24T09:59:59Z", "tue", false],
        ["2026-11-24T10:00:00Z", "tue", true], // opening minute is inside
        ["2026-11-24T13:59:59Z", "tue", true],
        ["2026-11-24T14:00:00Z", "tue", false], // closing minute is outside
        ["2026-11-25T12:00:00Z", "wed", true],
        ["2026-11-26T10:00:00Z", "thu", true],
        ["2026-11-26T13:59:00Z", "thu", true],
        ["2026-11-26T14:00:00Z", "thu", false],
        ["2026-11-27T10:00:00Z", "fri", false], // Friday: never
        ["2026-11-28T12:00:00Z", "sat", false],
        ["2026-11-29T12:00:00Z", "sun", false],
    ] as const)("%s (%s) inside=%s", (iso, day, inside) => {
        expect(localTime(at(iso), "UTC").weekday).toBe(day);
        expect(isInWindow(at(iso), DEFAULT_WINDOW)).toBe(inside);
    });
});

describe("time zones and daylight saving (IANA zones through Intl)", () => {
    test.each([
        // Europe/Paris summer (UTC+2): 10:00-14:00 local is 08:00-12:00 UTC.
        ["Europe/Paris", "2026-07-14T07:59:00Z", false],
        ["Europe/Paris", "2026-07-14T08:00:00Z", true],
        ["Europe/Paris", "2026-07-14T11:59:00Z", true],
        ["Europe/Paris", "2026-07-14T12:00:00Z", false],
        // Europe/Paris winter (UTC+1): 09:00-13:00 UTC.
        ["Europe/Paris", "2026-01-13T08:59:00Z", false],
        ["Europe/Paris", "2026-01-13T09:00:00Z", true],
        ["Europe/Paris", "2026-01-13T12:59:00Z", true],
        ["Europe/Paris", "2026-01-13T13:00:00Z", false],
        // Auckland (UTC+13 in November): Tuesday 10:00 local is Monday 21:00 UTC.
        ["Pacific/Auckland", "2026-11-23T20:59:00Z", false],
        ["Pacific/Auckland", "2026-11-23T21:00:00Z", true],
        ["Pacific/Auckland", "2026-11-24T01:00:00Z", false], // Tuesday 14:00 local
        // Kolkata (UTC+5:30, half-hour offset).
        ["Asia/Kolkata", "2026-11-24T04:29:00Z", false],
        ["Asia/Kolkata", "2026-11-24T04:30:00Z", true],
        ["Asia/Kolkata", "2026-11-24T08:29:00Z", true],
        ["Asia/Kolkata", "2026-11-24T08:30:00Z", false],
        // New York (UTC-5 in late November): 15:00-19:00 UTC; Thursday 18:59 local-side edge.
        ["America/New_York", "2026-11-26T14:59:00Z", false],
        ["America/New_York", "2026-11-26T15:00:00Z", true],
        ["America/New_York", "2026-11-26T19:00:00Z", false],
    ] as const)("%s at %s inside=%s", (tz, iso, inside) => {
        expect(isInWindow(at(iso), w({ timeZone: tz }))).toBe(inside);
    });

    test("spring forward: a window inside the skipped hour is empty that day, and the next opening is a week later", () => {
        // Europe/Paris skips 02:00-03:00 on Sunday 2026-03-29.
        const skipped = w({ days: ["sun"], start: "02:00", end: "03:00", timeZone: "Europe/Paris" });
        expect(isInWindow(at("2026-03-29T00:59:00Z"), skipped)).toBe(false); // 01:59 CET
        expect(isInWindow(at("2026-03-29T01:00:00Z"), skipped)).toBe(false); // 03:00 CEST
        expect(nextOpening(at("2026-03-28T12:00:00Z"), skipped)?.toISOString()).toBe("2026-04-05T00:00:00.000Z");
    });

    test("fall back: the repeated local hour is inside the window both times", () => {
        // America/New_York repeats 01:00-02:00 on Sunday 2026-11-01 (EDT then EST).
        const repeated = w({ days: ["sun"], start: "01:00", end: "02:00", timeZone: "America/New_York" });
        expect(isInWindow(at("2026-11-01T05:30:00Z"), repeated)).toBe(true); // 01:30 EDT
        expect(isInWindow(at("2026-11-01T06:30:00Z"), repeated)).toBe(true); // 01:30 EST
        expect(isInWindow(at("2026-11-01T07:00:00Z"), repeated)).toBe(false); // 02:00 EST
    });
});

describe("windows past midnight belong to the day they open", () => {
    const night = w({ days: ["fri"], start: "22:00", end: "02:00" });
    test.each([
        ["2026-11-27T21:59:00Z", false], // Fri before opening
        ["2026-11-27T22:00:00Z", true],
        ["2026-11-28T01:59:00Z", true], // Saturday early morning: Friday's window
        ["2026-11-28T02:00:00Z", false],
        ["2026-11-28T22:30:00Z", false], // Saturday evening: not a window day
        ["2026-11-29T01:00:00Z", false], // Sunday early morning: Saturday's (none)
        ["2026-11-27T01:00:00Z", false], // Friday early morning: Thursday's (none)
    ] as const)("%s inside=%s", (iso, inside) => {
        expect(isInWindow(at(iso), night)).toBe(inside);
    });
});

describe("nextOpening and decideRelease", () => {
    test("Friday afternoon: next opening is Tuesday 10:00", () => {
        expect(nextOpening(at("2026-11-27T15:00:00Z"), DEFAULT_WINDOW)?.toISOString()).toBe("2026-12-01T10:00:00.000Z");
    });
    test("inside the window, nextOpening is now (rounded up to the minute)", () => {
        expect(nextOpening(at("2026-11-24T10:00:00Z"), DEFAULT_WINDOW)?.toISOString()).toBe("2026-11-24T10:00:00.000Z");
        expect(nextOpening(at("2026-11-24T10:00:30Z"), DEFAULT_WINDOW)?.toISOString()).toBe("2026-11-24T10:01:00.000Z");
    });
    test("outside without override: refused, says when the window opens", () => {
        const d = decideRelease(at("2026-11-27T15:00:00Z"), DEFAULT_WINDOW);
        expect(d.allowed).toBe(false);
        expect(d.message).toBe(
            "Fri 2026-11-27 15:00 UTC is outside the deployment window (Tue, Wed, Thu 10:00-14:00 UTC) and no emergency " +
                "override was given. Release when the window next opens, Tue 2026-12-01 10:00 UTC (2026-12-01T10:00:00.000Z), or declare an " +
                "emergency override with a non-empty reason",
        );
    });
    test.each([[""], ["   "], [undefined], [42]])("override with reason %p is not enough", (reason) => {
        const d = decideRelease(at("2026-11-27T15:00:00Z"), DEFAULT_WINDOW, { reason });
        expect(d.allowed).toBe(false);
        expect(d.message).toContain("an emergency override was given without a reason");
    });
    test("override with a reason: allowed, reason kept (trimmed)", () => {
        const d = decideRelease(at("2026-11-27T15:00:00Z"), DEFAULT_WINDOW, { reason: "  INC-42 hotfix, approved by ops " });
        expect(d).toEqual(expect.objectContaining({ allowed: true, inWindow: false, overrideReason: "INC-42 hotfix, approved by ops" }));
    });
    test("inside: allowed without override", () => {
        expect(decideRelease(at("2026-11-25T11:00:00Z"), DEFAULT_WINDOW)).toEqual(
            expect.objectContaining({ allowed: true, inWindow: true }),
        );
    });
});

describe("parseWindow", () => {
    test("defaults", () => {
        expect(parseWindow(undefined)).toEqual({ ok: true, window: DEFAULT_WINDOW });
        expect(parseWindow({})).toEqual({
            ok: true,
            window: { days: ["tue", "wed", "thu"], start: "10:00", end: "14:00", timeZone: "UTC" },
        });
    });
    test("day names are normalised, de-duplicated and sorted", () => {
        const r = parseWindow({ days: ["Friday", "mon", "MON"], timeZone: "Europe/Paris" });
        expect(r).toEqual({ ok: true, window: { days: ["mon", "fri"], start: "10:00", end: "14:00", timeZone: "Europe/Paris" } });
    });
    test.each([
        [{ days: [] }, "days must be a non-empty list"],
        [{ days: ["funday"] }, "'funday' is not a weekday"],
        [{ start: "9:00" }, "start must be a local time HH:MM"],
        [{ start: "24:00" }, "start must be a local time HH:MM"],
        [{ end: "14:60" }, "end must be a local time HH:MM"],
        [{ start: "10:00", end: "10:00" }, "start and end are both 10:00"],
        [{ timeZone: "Mars/Olympus" }, "timeZone must be an IANA time zone"],
        [{ tz: "UTC" }, "unknown key 'tz'"],
        ["Tue-Thu", "must be an object"],
    ])("%p is rejected: %s", (raw, msg) => {
        const r = parseWindow(raw);
        expect(r.ok).toBe(false);
        expect(r.ok ? [] : r.errors.join("\n")).toContain(msg);
    });
    test("describeWindow", () => {
        expect(describeWindow(DEFAULT_WINDOW)).toBe("Tue, Wed, Thu 10:00-14:00 UTC");
    });
});

describe("properties", () => {
    const hhmm = fc
        .integer({ min: 0, max: 23 * 60 + 59 })
        .map((m) => `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`);
    const days = fc.uniqueArray(fc.constantFrom(...WEEKDAYS), { minLength: 1, maxLength: 7 });
    const window = fc
        .record({ days, start: hhmm, end: hhmm, timeZone: fc.constant("UTC") })
        .filter((x) => x.start !== x.end) as fc.Arbitrary<DeploymentWindow>;
    const instant = fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2035, 0, 1) }).map((t) => new Date(t));
    const minutes = (s: string) => Number(s.slice(0, 2)) * 60 + Number(s.slice(3));

    test("UTC windows agree with plain UTC arithmetic", () => {
        fc.assert(
            fc.property(window, instant, (win, t) => {
                const day = WEEKDAYS[t.getUTCDay()] as Weekday;
                const prev = WEEKDAYS[(t.getUTCDay() + 6) % 7] as Weekday;
                const m = t.getUTCHours() * 60 + t.getUTCMinutes();
                const s = minutes(win.start);
                const e = minutes(win.end);
                const expected =
                    s < e
                        ? win.days.includes(day) && m >= s && m < e
                        : (win.days.includes(day) && m >= s) || (win.days.includes(prev) && m < e);
                return isInWindow(t, win) === expected;
            }),
        );
    });

    test("a fixed-offset zone is the UTC window shifted by its offset", () => {
        fc.assert(
            fc.property(window, instant, fc.integer({ min: -12, max: 14 }), (win, t, offset) => {
                // IANA Etc/GMT signs are inverted: Etc/GMT-5 is UTC+5.
                const tz = offset === 0 ? "Etc/GMT" : `Etc/GMT${offset > 0 ? "-" : "+"}${Math.abs(offset)}`;
                const shifted = new Date(t.getTime() + offset * 3600_000);
                return isInWindow(t, { ...win, timeZone: tz }) === isInWindow(shifted, win);
            }),
        );
    });

    test("nextOpening is inside, not before now, and the minute before it is outside (or before now)", () => {
        fc.assert(
            fc.property(window, instant, fc.constantFrom("UTC", "Europe/Paris", "America/New_York", "Asia/Kolkata"), (win, t, tz) => {
                const zoned = { ...win, timeZone: tz };
                const next = nextOpening(t, zoned);
                if (!next) {
                    return false;
                }
                const before = new Date(next.getTime() - 60_000);
                return (
                    isInWindow(next, zoned) &&
                    next.getTime() >= t.getTime() &&
                    (before.getTime() < t.getTime() - 60_000 || !isInWindow(before, zoned) || next.getTime() - t.getTime() < 60_000)
                );
            }),
            { numRuns: 60 },
        );
    });

    test("a release is allowed exactly when inside the window or the override has a non-blank reason", () => {
        fc.assert(
            fc.property(window, instant, fc.option(fc.string(), { nil: undefined }), (win, t, reason) => {
                const d = decideRelease(t, win, reason === undefined ? null : { reason });
                return d.allowed === (isInWindow(t, win) || (reason !== undefined && reason.trim() !== ""));
            }),
        );
    });

    test("every generated window parses back to itself", () => {
        fc.assert(
            fc.property(window, (win) => {
                const r = parseWindow(win);
                return r.ok && JSON.stringify(r.window) === JSON.stringify({ ...win, days: WEEKDAYS.filter((d) => win.days.includes(d)) });
            }),
        );
    });
});
