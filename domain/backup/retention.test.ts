import * as fc from "fast-check";
import {
    DEFAULT_KEEP_LAST,
    SnapshotInfo,
    normalizePolicy,
    protectedSnapshotIds,
    selectSnapshotsToPrune,
    selectSnapshotsToPruneByKind,
    sortNewestFirst,
} from "./retention";

const DAY = 24 * 3600 * 1000;
const NOW = new Date("2025-06-30T12:00:00.000Z");
/** Snapshot i taken i days before NOW (s0 is the newest). */
const daily = (n: number): SnapshotInfo[] =>
    Array.from({ length: n }, (_, i) => ({
        id: `s${String(i).padStart(2, "0")}`,
        createdAt: new Date(NOW.getTime() - i * DAY).toISOString(),
    }));
const ids = (xs: SnapshotInfo[]) => xs.map((s) => s.id).sort();

describe("selectSnapshotsToPrune: table", () => {
    test.each([
        { name: "default keeps newest 30 of 35", n: 35, policy: {}, prot: [], pruned: ["s30", "s31", "s32", "s33", "s34"] },
        { name: "keepLast 3 of 5", n: 5, policy: { keepLast: 3 }, prot: [], pruned: ["s03", "s04"] },
        { name: "keepLast larger than count", n: 4, policy: { keepLast: 10 }, prot: [], pruned: [] },
        { name: "keepLast 1 with protected old ones", n: 6, policy: { keepLast: 1 }, prot: ["s03", "s05"], pruned: ["s01", "s02", "s04"] },
        // s0..s2 are 0,1,2 days old: younger than 2.5 days; s3 (3 days) and older go.
        { name: "keepWithinDays 2.5", n: 6, policy: { keepWithinDays: 2.5 }, prot: [], pruned: ["s03", "s04", "s05"] },
        // exactly D days old is not younger than D days: pruned.
        { name: "age boundary is exclusive", n: 4, policy: { keepWithinDays: 2 }, prot: [], pruned: ["s02", "s03"] },
        {
            name: "union of keepLast and keepWithinDays",
            n: 8,
            policy: { keepLast: 2, keepWithinDays: 4.5 },
            prot: [],
            pruned: ["s05", "s06", "s07"],
        },
        {
            name: "union where count keeps more than age",
            n: 8,
            policy: { keepLast: 6, keepWithinDays: 1.5 },
            prot: [],
            pruned: ["s06", "s07"],
        },
        { name: "protected unknown id is ignored", n: 3, policy: { keepLast: 1 }, prot: ["nope"], pruned: ["s01", "s02"] },
        { name: "empty input", n: 0, policy: { keepLast: 1 }, prot: [], pruned: [] },
    ])("$name", ({ n, policy, prot, pruned }) => {
        expect(ids(selectSnapshotsToPrune(daily(n), policy, prot, NOW))).toEqual(pruned);
    });

    test("newest is decided by createdAt, not by input order or id", () => {
        const snaps = [
            { id: "a", createdAt: "2025-01-03T00:00:00.000Z" },
            { id: "z", createdAt: "2025-01-01T00:00:00.000Z" },
            { id: "m", createdAt: "2025-01-02T00:00:00.000Z" },
        ];
        expect(ids(selectSnapshotsToPrune(snaps, { keepLast: 2 }, []))).toEqual(["z"]);
    });

    test("equal times: higher id counts as newer (ids embed the time)", () => {
        const t = "2025-01-01T00:00:00.000Z";
        expect(
            ids(
                selectSnapshotsToPrune(
                    [
                        { id: "b", createdAt: t },
                        { id: "c", createdAt: t },
                        { id: "a", createdAt: t },
                    ],
                    { keepLast: 1 },
                    [],
                ),
            ),
        ).toEqual(["a", "b"]);
    });

    test.each([
        [{ keepLast: 0 }, /keepLast must be an integer >= 1, got 0/],
        [{ keepLast: 2.5 }, /keepLast must be an integer >= 1, got 2.5/],
        [{ keepWithinDays: 0 }, /keepWithinDays must be a number > 0, got 0/],
        [{ keepWithinDays: Number.NaN }, /keepWithinDays must be a number > 0/],
    ])("rejects policy %j", (policy, msg) => {
        expect(() => selectSnapshotsToPrune(daily(3), policy, [], NOW)).toThrow(msg);
    });

    test("age rule without now is an error, not a guess", () => {
        expect(() => selectSnapshotsToPrune(daily(3), { keepWithinDays: 1 }, [])).toThrow(/needs the reference time/);
    });
    test("duplicate ids are rejected", () => {
        expect(() => selectSnapshotsToPrune([...daily(2), daily(1)[0]], { keepLast: 1 }, [])).toThrow(/duplicate snapshot id 's00'/);
    });
    test("invalid createdAt names the snapshot", () => {
        expect(() => selectSnapshotsToPrune([{ id: "bad", createdAt: "yesterday" }], { keepLast: 1 }, [])).toThrow(
            /snapshot 'bad' has an invalid createdAt/,
        );
    });
    test("default policy", () => {
        expect(normalizePolicy({})).toEqual({ keepLast: DEFAULT_KEEP_LAST });
        expect(DEFAULT_KEEP_LAST).toBe(30);
    });
});

describe("protectedSnapshotIds", () => {
    const rel = (id: string, day: number, before: Record<string, string | null>, after: Record<string, string | null>) => ({
        id,
        createdAt: new Date(Date.UTC(2025, 0, day)).toISOString(),
        versionsBefore: before,
        versionsAfter: after,
    });
    test("current and previous release of each colour", () => {
        const snaps = [
            rel("g1", 1, {}, { green: "1" }),
            rel("b1", 2, { green: "1" }, { green: "1", blue: "2" }),
            rel("g2", 3, { green: "1", blue: "2" }, { green: "3", blue: "2" }),
            rel("b2", 4, { green: "3", blue: "2" }, { green: "3", blue: "4" }),
            rel("b3", 5, { green: "3", blue: "4" }, { green: "3", blue: "5" }),
            rel("b4", 6, { green: "3", blue: "5" }, { green: "3", blue: "6" }),
        ];
        expect([...protectedSnapshotIds(snaps)].sort()).toEqual(["b3", "b4", "g1", "g2"]);
    });
    test("a snapshot that changed nothing protects nothing", () => {
        expect(protectedSnapshotIds([rel("x", 1, { blue: "1" }, { blue: "1" })]).size).toBe(0);
    });
});

// ---- properties ----
const snapshotsArb = fc
    .uniqueArray(fc.record({ id: fc.stringMatching(/^[a-z0-9]{1,8}$/), t: fc.integer({ min: 0, max: 400 * DAY }) }), {
        selector: (r) => r.id,
        maxLength: 60,
    })
    .map((rs) => rs.map((r) => ({ id: r.id, createdAt: new Date(NOW.getTime() - r.t).toISOString() })));
const policyArb = fc.oneof(
    fc.record({ keepLast: fc.integer({ min: 1, max: 70 }) }),
    fc.record({ keepWithinDays: fc.double({ min: 0.01, max: 500, noNaN: true }) }),
    fc.record({ keepLast: fc.integer({ min: 1, max: 70 }), keepWithinDays: fc.double({ min: 0.01, max: 500, noNaN: true }) }),
    fc.constant({}),
);
const caseArb = snapshotsArb.chain((snaps) =>
    fc.record({
        snaps: fc.constant(snaps),
        policy: policyArb,
        prot: fc.subarray(snaps.map((s) => s.id)),
    }),
);

describe("selectSnapshotsToPrune: properties", () => {
    test("never prunes a protected snapshot, and returns a subset without duplicates", () => {
        fc.assert(
            fc.property(caseArb, ({ snaps, policy, prot }) => {
                const pruned = selectSnapshotsToPrune(snaps, policy, prot, NOW);
                const all = new Set(snaps.map((s) => s.id));
                const out = pruned.map((s) => s.id);
                return out.every((id) => all.has(id) && !prot.includes(id)) && new Set(out).size === out.length;
            }),
        );
    });

    test("with only keepLast N and nothing protected, exactly the min(N, count) newest remain", () => {
        fc.assert(
            fc.property(snapshotsArb, fc.integer({ min: 1, max: 70 }), (snaps, n) => {
                const pruned = new Set(selectSnapshotsToPrune(snaps, { keepLast: n }, []).map((s) => s.id));
                const remaining = snaps
                    .filter((s) => !pruned.has(s.id))
                    .map((s) => s.id)
                    .sort();
                const newest = sortNewestFirst(snaps)
                    .slice(0, Math.min(n, snaps.length))
                    .map((s) => s.id)
                    .sort();
                return JSON.stringify(remaining) === JSON.stringify(newest);
            }),
        );
    });

    test("the newest min(N, count) always remain, whatever else is protected or young", () => {
        fc.assert(
            fc.property(caseArb, ({ snaps, policy, prot }) => {
                const n = normalizePolicy(policy).keepLast;
                if (n === undefined) return true;
                const pruned = new Set(selectSnapshotsToPrune(snaps, policy, prot, NOW).map((s) => s.id));
                return sortNewestFirst(snaps)
                    .slice(0, n)
                    .every((s) => !pruned.has(s.id));
            }),
        );
    });

    test("nothing younger than D days is pruned; everything older, unprotected and outside newest N is", () => {
        fc.assert(
            fc.property(caseArb, ({ snaps, policy, prot }) => {
                const p = normalizePolicy(policy);
                const pruned = new Set(selectSnapshotsToPrune(snaps, policy, prot, NOW).map((s) => s.id));
                const newest = new Set(
                    p.keepLast
                        ? sortNewestFirst(snaps)
                              .slice(0, p.keepLast)
                              .map((s) => s.id)
                        : [],
                );
                return snaps.every((s) => {
                    const young =
                        p.keepWithinDays !== undefined && Date.parse(s.createdAt as string) > NOW.getTime() - p.keepWithinDays * DAY;
                    const kept = young || newest.has(s.id) || prot.includes(s.id);
                    return pruned.has(s.id) === !kept;
                });
            }),
        );
    });

    test("idempotent: pruning what remains prunes nothing more", () => {
        fc.assert(
            fc.property(caseArb, ({ snaps, policy, prot }) => {
                const pruned = new Set(selectSnapshotsToPrune(snaps, policy, prot, NOW).map((s) => s.id));
                const remaining = snaps.filter((s) => !pruned.has(s.id));
                return selectSnapshotsToPrune(remaining, policy, prot, NOW).length === 0;
            }),
        );
    });

    test("independent of input order", () => {
        fc.assert(
            fc.property(caseArb, fc.integer(), ({ snaps, policy, prot }, seed) => {
                const shuffled = [...snaps].sort((a, b) => ((a.id.charCodeAt(0) * seed) % 7) - ((b.id.charCodeAt(0) * seed) % 7));
                const a = selectSnapshotsToPrune(snaps, policy, prot, NOW).map((s) => s.id);
                const b = selectSnapshotsToPrune(shuffled, policy, prot, NOW).map((s) => s.id);
                return JSON.stringify(a) === JSON.stringify(b);
            }),
        );
    });
});

// ---- per kind ----
const KINDS = ["manual", "scheduled", "pre-deploy"] as const;
/** Snapshot i of `kinds` (one letter each: m, s, p) taken i hours before NOW. */
const mixed = (kinds: string) =>
    [...kinds].map((k, i) => ({
        id: `${k}${String(i).padStart(2, "0")}`,
        createdAt: new Date(NOW.getTime() - i * 3600_000).toISOString(),
        kind: ({ m: "manual", s: "scheduled", p: "pre-deploy" } as const)[k as "m" | "s" | "p"],
    }));

describe("selectSnapshotsToPruneByKind: table", () => {
    test.each([
        {
            name: "a busy schedule never pushes release snapshots out",
            kinds: "ssssspss",
            policies: { default: { keepLast: 1 }, scheduled: { keepLast: 2 } },
            prot: [],
            pruned: ["s02", "s03", "s04", "s06", "s07"],
        },
        {
            name: "kinds without a rule use the default",
            kinds: "mmpps",
            policies: { default: { keepLast: 1 } },
            prot: [],
            pruned: ["m01", "p03"],
        },
        {
            name: "a protected snapshot stays whatever its kind",
            kinds: "ssss",
            policies: { default: { keepLast: 30 }, scheduled: { keepLast: 1 } },
            prot: ["s03"],
            pruned: ["s01", "s02"],
        },
        {
            name: "age rule per kind",
            kinds: "sssmmm",
            policies: { default: { keepLast: 30 }, scheduled: { keepWithinDays: 1.5 / 24 } },
            prot: [],
            pruned: ["s02"],
        },
        { name: "nothing of a kind: nothing pruned", kinds: "", policies: { default: { keepLast: 1 } }, prot: [], pruned: [] },
    ])("$name", ({ kinds, policies, prot, pruned }) => {
        expect(ids(selectSnapshotsToPruneByKind(mixed(kinds), policies, prot, NOW))).toEqual(pruned);
    });
});

const kindedArb = snapshotsArb.chain((snaps) =>
    fc.record({
        snaps: fc.tuple(...snaps.map((s) => fc.constantFrom(...KINDS).map((kind) => ({ ...s, kind })))),
        policies: fc.record({ default: policyArb, scheduled: policyArb }),
        prot: fc.subarray(snaps.map((s) => s.id)),
    }),
);

describe("selectSnapshotsToPruneByKind: properties", () => {
    test("never prunes a protected snapshot; each kind loses exactly what its own rule prunes among its own", () => {
        fc.assert(
            fc.property(kindedArb, ({ snaps, policies, prot }) => {
                const pruned = selectSnapshotsToPruneByKind(snaps, policies, prot, NOW).map((s) => s.id);
                if (pruned.some((id) => prot.includes(id))) return false;
                return KINDS.every((k) => {
                    const own = snaps.filter((s) => s.kind === k);
                    const policy = k === "scheduled" ? policies.scheduled : policies.default;
                    const alone = selectSnapshotsToPrune(own, policy, prot, NOW)
                        .map((s) => s.id)
                        .sort();
                    const got = pruned.filter((id) => own.some((s) => s.id === id)).sort();
                    return JSON.stringify(alone) === JSON.stringify(got);
                });
            }),
        );
    });

    test("adding scheduled snapshots never prunes a snapshot of another kind", () => {
        fc.assert(
            fc.property(kindedArb, ({ snaps, policies, prot }) => {
                const others = snaps.filter((s) => s.kind !== "scheduled");
                const a = selectSnapshotsToPruneByKind(others, policies, prot, NOW).map((s) => s.id);
                const b = selectSnapshotsToPruneByKind(snaps, policies, prot, NOW)
                    .filter((s) => s.kind !== "scheduled")
                    .map((s) => s.id);
                return JSON.stringify(a) === JSON.stringify(b);
            }),
        );
    });
});
