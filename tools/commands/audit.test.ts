import { foldRecord } from "../../domain/deploymentRecord";
import { auditEntries, HistoryItem, parseSince, renderAudit } from "./audit";

const record = foldRecord(
    {
        id: "20261130T010000Z-prod-rollback-1",
        kind: "rollback",
        level: 1,
        stack: "prod",
        who: "alice <a@example.com>",
        commit: null,
        startedAt: "2026-11-30T01:00:00.000Z",
        finishedAt: "2026-11-30T01:00:09.000Z",
        activeColor: { before: "green", after: "blue" },
        versionsBefore: { blue: "1.1.0", green: "1.2.0" },
        versionsAfter: { blue: "1.1.0", green: "1.2.0" },
        outcome: "rolled-back",
        driftProof: { checkedAt: "2026-11-30T01:00:08.000Z", noChanges: true, changeSummary: { same: 20 } },
    },
    [
        {
            kind: "rollback",
            at: "2026-11-30T01:00:00.000Z",
            stack: "prod",
            deploymentId: "prod-1.2.0-20261129_000000",
            canaryColor: "green",
            stableColor: "blue",
            versions: { from: "1.2.0", to: "1.1.0" },
            decision: "rollback-level-1",
            reason: "errors",
        },
    ],
);

const history: HistoryItem[] = [
    {
        kind: "update",
        startTime: new Date("2026-11-29T00:00:00Z"),
        result: "succeeded",
        message: "",
        config: {},
        environment: { "git.author": "bob" },
        resourceChanges: { create: 12 },
        version: 1,
    },
    {
        kind: "update",
        startTime: new Date("2026-11-30T00:30:00Z"),
        result: "succeeded",
        message: "hotfix",
        config: {
            "switchyard:deploymentWindow": { value: JSON.stringify({ override: { reason: "INC-42 approved by carol" } }), secret: false },
        },
        environment: {},
        resourceChanges: { update: 2, same: 10 },
        version: 2,
    },
];

test("records and history in time order: emergency, rollback, its drift check", () => {
    const e = auditEntries([record], history);
    expect(e.map((x) => [x.kind, x.result])).toEqual([
        ["update", "succeeded"],
        ["emergency", "succeeded"],
        ["rollback", "rolled-back"],
        ["drift-check", "no drift"],
    ]);
    expect(e[1].summary).toBe("update: 2 update; deployment window overridden: INC-42 approved by carol — hotfix");
    expect(e[2].summary).toBe("level 1: green 1.2.0 -> blue 1.1.0 (errors)");
    expect(e[0].who).toBe("bob");
    expect(renderAudit("prod", e).split("\n")).toHaveLength(5);
});

test.each([
    ["2026-11-30", ["emergency", "rollback", "drift-check"]],
    ["2026-11-30T01:00:00Z", ["rollback", "drift-check"]],
    ["2026-12-01", []],
])("--since %s", (since, kinds) => {
    expect(auditEntries([record], history, parseSince(since)).map((x) => x.kind)).toEqual(kinds);
});

test.each(["yesterday", "2026-13-45", "30/11/2026"])("--since %s is refused", (v) => {
    expect(() => parseSince(v)).toThrow(/--since must be a date/);
});
