/**
 * `snapshot --reuse-previous` (the BackupSnapshot Command's `update`) on a real local target, through
 * the real entry point: the snapshot of the same release is printed again; anything else takes a new one.
 */
import { mkdtempSync, readdirSync, rmSync } from "fs";
import * as os from "os";
import * as path from "path";
import { runCli } from "../../test/support/backup";

let root: string;
beforeEach(() => (root = mkdtempSync(path.join(os.tmpdir(), "sy-reuse-"))));
afterEach(() => rmSync(root, { recursive: true, force: true }));

// No database or volume: the snapshot holds release.json only, which is enough for the release facts.
const config = (deploymentId: string) =>
    JSON.stringify({
        stack: "test",
        target: { type: "local", root },
        release: { deploymentId, versionsBefore: { green: "1.0.0" }, versionsAfter: { green: "1.1.0" } },
    });
const snapshots = () => readdirSync(root).filter((f) => !f.startsWith("."));

async function snapshot(deploymentId: string, previousStdout?: string, flags = ["--reuse-previous"]) {
    const r = await runCli(["snapshot", ...flags], {
        SWITCHYARD_BACKUP_CONFIG: config(deploymentId),
        ...(previousStdout !== undefined ? { PULUMI_COMMAND_STDOUT: previousStdout } : {}),
    });
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split("\n")).toHaveLength(1);
    return { line: r.stdout.trim(), stderr: r.stderr, result: JSON.parse(r.stdout) as { snapshotId: string } };
}

test("same release: the previous snapshot is printed again, byte for byte, and none is taken", async () => {
    const first = await snapshot("dep-1", undefined, []);
    const again = await snapshot("dep-1", `${first.line}\n`);
    expect(again.line).toBe(first.line);
    expect(again.stderr).toContain(`snapshot '${first.result.snapshotId}' of deployment dep-1 exists and is complete: reused`);
    expect(snapshots()).toEqual([first.result.snapshotId]);
});

test.each([
    ["no previous output", () => ""],
    ["previous output that is not a result line", () => "error: boom"],
])("%s: a new snapshot is taken", async (_what, previous) => {
    const r = await snapshot("dep-1", previous());
    expect(snapshots()).toEqual([r.result.snapshotId]);
});

test("previous snapshot of another release: a new one is taken", async () => {
    const first = await snapshot("dep-1", undefined, []);
    const second = await snapshot("dep-2", first.line);
    expect(second.result.snapshotId).not.toBe(first.result.snapshotId);
    expect(second.stderr).toContain(`previous snapshot '${first.result.snapshotId}' not reused (it is of deployment dep-1)`);
    expect(snapshots().sort()).toEqual([first.result.snapshotId, second.result.snapshotId].sort());
});

test("previous snapshot removed from the target: a new one is taken", async () => {
    const first = await snapshot("dep-1", undefined, []);
    rmSync(path.join(root, first.result.snapshotId), { recursive: true });
    const second = await snapshot("dep-1", first.line);
    expect(second.stderr).toContain("not reused (it is no longer complete at the target)");
    expect(snapshots()).toEqual([second.result.snapshotId]);
});
