import fc from "fast-check";
import { Commit, groupCommits, notesSummary, parseCommit, renderReleaseNotes } from "./releaseNotes";

describe("parseCommit", () => {
    test.each([
        ["feat: add canary header", "", { type: "feat", breaking: false, description: "add canary header" }],
        [
            "fix(router): keep upstream on reload",
            "",
            { type: "fix", scope: "router", breaking: false, description: "keep upstream on reload" },
        ],
        ["feat(api)!: drop v1", "", { type: "feat", scope: "api", breaking: true, description: "drop v1" }],
        ["Feat: capitalised type", "", { type: "feat", breaking: false, description: "capitalised type" }],
        ["refactor: x", "BREAKING CHANGE: config key renamed", { type: "refactor", breaking: true, description: "x" }],
        ["Merge branch 'x'", "", { type: "other", breaking: false, description: "Merge branch 'x'" }],
        ["feat:no space", "", { type: "other", breaking: false, description: "feat:no space" }],
        ["fix(): empty scope", "", { type: "other", breaking: false, description: "fix(): empty scope" }],
    ])("%j", (subject, body, expected) => {
        expect(parseCommit({ subject, body })).toEqual(expected);
    });
});

const commits: Commit[] = [
    { sha: "a".repeat(40), subject: "fix: the 500 on /orders" },
    { sha: "b".repeat(40), subject: "feat(ui)!: new checkout" },
    { sha: "c".repeat(40), subject: "chore: bump deps" },
    { sha: "d".repeat(40), subject: "wip" },
    { sha: "e".repeat(40), subject: "feat: `code` and *stars*" },
];

test("groups in section order, commits in the order given, empty sections left out", () => {
    const { groups, breaking } = groupCommits(commits);
    expect(groups.map((g) => [g.title, g.commits.map((c) => c.sha[0])])).toEqual([
        ["Features", ["b", "e"]],
        ["Bug fixes", ["a"]],
        ["Chores", ["c"]],
        ["Other changes", ["d"]],
    ]);
    expect(breaking.map((c) => c.sha[0])).toEqual(["b"]);
});

test("the Markdown holds the facts, the breaking change and every commit, escaped", () => {
    const text = renderReleaseNotes(
        {
            stack: "prod",
            recordId: "20260101T000000Z-prod-rollback-1",
            deploymentId: "prod-green-1-2-0-20260101_000000",
            kind: "rollback-1",
            outcome: "rolled-back",
            who: "alice",
            commit: "f".repeat(40),
            previousCommit: "0".repeat(40),
            versions: { from: "1.2.0", to: "1.1.0" },
            snapshotId: "snap-1",
            reason: "error ratio 4%",
            at: "2026-01-01T00:00:00.000Z",
        },
        commits,
    );
    expect(text).toContain("# prod 1.2.0 → 1.1.0 (rollback-1)");
    expect(text).toContain("- Commits: 000000000000..ffffffffffff (5)");
    expect(text).toContain("- Pre-deploy snapshot: `snap-1`");
    expect(text).toContain("- Reason: error ratio 4%");
    expect(text).toContain("## Breaking changes\n\n- new checkout (bbbbbbb)");
    expect(text).toContain("## Features\n\n- **ui:** new checkout (bbbbbbb)\n- \\`code\\` and \\*stars\\* (eeeeeee)");
    expect(text).toContain("## Other changes\n\n- wip (ddddddd)");
    expect(notesSummary(commits)).toBe("1 breaking, 2 features, 1 bug fixes, 1 chores, 1 other changes");
    expect(notesSummary([])).toBe("no commits");
});

test("property: every commit appears in exactly one group", () => {
    fc.assert(
        fc.property(fc.array(fc.record({ sha: fc.stringMatching(/^[0-9a-f]{7}$/), subject: fc.string() })), (cs) => {
            const { groups } = groupCommits(cs);
            expect(groups.reduce((n, g) => n + g.commits.length, 0)).toBe(cs.length);
        }),
    );
});
