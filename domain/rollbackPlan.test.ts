import { planRollback, RollbackState, versionOfDeploymentId } from "./rollbackPlan";

const state: RollbackState = {
    stack: "prod",
    activeColor: "green",
    versions: { blue: "1.1.0", green: "1.2.0" },
    canaryPermille: 0,
    deploymentIds: { blue: "prod-1.1.0-20260101_000000", green: "prod-1.2.0-20260102_000000" },
    migrations: {
        blue: { image: "app:1.1.0", version: "1.1.0", down: null, deploymentId: "prod-1.1.0-20260101_000000" },
        green: { image: "app:1.2.0", version: "1.2.0", down: ["migrate", "down"], deploymentId: "prod-1.2.0-20260102_000000" },
    },
    backups: { blue: { snapshotId: "snap-blue" }, green: { snapshotId: "snap-green" } },
};

test.each([
    ["prod", "prod-1.2.0-20260102_000000", "1.2.0"],
    ["prod", "prod-v1.2.0-rc.1-20260102_000000", "v1.2.0-rc.1"],
    ["prod", "staging-1.2.0-20260102_000000", undefined],
    ["prod", "prod-1.2.0", undefined],
    ["prod", "prod--20260102_000000", undefined],
])("version of %s's deployment %s", (stack, id, v) => {
    expect(versionOfDeploymentId(stack, id)).toBe(v);
});

test.each([
    [
        "level 1 flips",
        state,
        { level: 1 },
        { config: { activeColor: "blue" }, kinds: ["traffic"], versions: { from: "1.2.0", to: "1.1.0" } },
    ],
    [
        "level 1 with a canary weight sets it to 0",
        { ...state, canaryPermille: 105 },
        { level: 1 },
        { config: { activeColor: "blue", "canary.weight": "0" }, kinds: ["traffic"], versions: { from: "1.2.0", to: "1.1.0" } },
    ],
    [
        "level 2 redeploys the previous version on the idle colour",
        { ...state, versions: { blue: "1.0.0", green: "1.2.0" } },
        { level: 2, previousVersion: "1.1.0" },
        { config: { activeColor: "blue", "colors.blue.version": "1.1.0" }, kinds: ["traffic"], versions: { from: "1.2.0", to: "1.1.0" } },
    ],
    [
        "level 3 adds the live release's down-migration",
        state,
        { level: 3, previousVersion: "1.1.0" },
        { config: { activeColor: "blue" }, kinds: ["traffic", "down-migration"], versions: { from: "1.2.0", to: "1.1.0" } },
    ],
    [
        "level 4 takes a fresh snapshot, then restores the live release's",
        state,
        { level: 4, ownSnapshots: ["snap-blue", "snap-green"] },
        { config: { activeColor: "blue" }, kinds: ["traffic", "fresh-snapshot", "restore"], versions: { from: "1.2.0", to: "1.1.0" } },
    ],
] as const)("%s", (_, s, req, expected) => {
    const r = planRollback(s, req);
    if (!r.ok) throw new Error(r.reason);
    expect(r.plan.config).toEqual(expected.config);
    expect(r.plan.actions.map((a) => a.kind)).toEqual(expected.kinds);
    expect(r.plan.versions).toEqual(expected.versions);
    expect(r.plan.lines.length).toBe(expected.kinds.length + 1);
});

test("level 4 restores snap-green, the data before green's release", () => {
    const r = planRollback(state, { level: 4, ownSnapshots: ["snap-green"] });
    expect(r.ok && r.plan.actions.find((a) => a.kind === "restore")).toEqual({ kind: "restore", snapshotId: "snap-green" });
});

test.each([
    [
        "level 1 to a version the idle colour does not run",
        state,
        { level: 1, previousVersion: "1.0.0" },
        /use --level 2 to redeploy 1.0.0 on blue/,
    ],
    ["nothing to go back to", { ...state, versions: { blue: "1.2.0", green: "1.2.0" } }, { level: 1 }, /nothing to go back to/],
    [
        "level 3 without a recorded down-migration",
        { ...state, activeColor: "blue" as const },
        { level: 3, previousVersion: "1.0.0" },
        /no down-migration is recorded for blue/,
    ],
    ["level 4 without backups", { ...state, backups: undefined }, { level: 4, ownSnapshots: [] }, /has no pre-deploy snapshot/],
    [
        "level 4 with another stack's snapshot",
        state,
        { level: 4, snapshotId: "20260101T000000000Z-staging-x", ownSnapshots: ["snap-green"] },
        /not one of stack prod's snapshots/,
    ],
] as const)("refused: %s", (_, s, req, message) => {
    const r = planRollback(s, req);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toMatch(message);
});

test.each<[string, RollbackState["replicas"], { from: number; to: number } | null, number]>([
    ["unknown scale (an earlier program's outputs)", undefined, null, 2],
    ["the idle colour still warm", { running: { blue: 2, green: 2 }, full: 2 }, null, 2],
    ["the idle colour scaled down to 1", { running: { blue: 1, green: 2 }, full: 2 }, { from: 1, to: 2 }, 3],
    ["the idle colour scaled down to 0", { running: { blue: 0, green: 3 }, full: 3 }, { from: 0, to: 3 }, 3],
])("level 1 with %s", (_, replicas, scaleUp, lineCount) => {
    const r = planRollback({ ...state, ...(replicas ? { replicas } : {}) }, { level: 1 });
    if (!r.ok) throw new Error(r.reason);
    expect(r.plan.actions[0]).toEqual({ kind: "traffic", from: "green", to: "blue", version: "1.1.0", redeploy: false, scaleUp });
    expect(r.plan.lines).toHaveLength(lineCount);
    if (scaleUp) {
        expect(r.plan.lines[0]).toBe(
            `scale blue back up from ${scaleUp.from} to ${scaleUp.to} replica(s) (it was idle longer than app.scaleDownDelay) through its health gate, in the update that moves the traffic; the router keeps serving green until the gate passed`,
        );
    }
});
