import { backupBeforeRelease } from "./backupBeforeRelease";
import { goodStack, Graph, messages, runStack, set } from "../test/support/policies";

const run = (g: Graph) => runStack(backupBeforeRelease, g);

describe("backup-before-release (stack policy)", () => {
    test("known-good stack: green released 1.0.0 -> 1.1.0, its containers depend on backup-green for 1.1.0", async () => {
        const o = await run(goodStack());
        expect(o).toEqual({ violations: [] });
    });
    test("a container of the released colour without a backup dependency", async () => {
        const g = goodStack();
        g.get("app-green-2")!.dependsOn = ["app-green-image"];
        const o = await run(g);
        expect(messages(o)).toEqual([
            "release of green 1.0.0 -> 1.1.0: container app-green-2 does not depend on a BackupSnapshot, so it could change before the data is saved; " +
                "create BackupSnapshot backup-green for 1.1.0 and make the green containers dependsOn it (ColorStack args.after)",
        ]);
        expect(o.violations[0].urn).toMatch(/switchyard:app:ColorStack\$docker:index\/container:Container::app-green-2$/);
    });
    test("depending on the other colour's backup does not count", async () => {
        const g = goodStack();
        g.get("app-green-1")!.dependsOn = ["backup-blue-snapshot"];
        expect(messages(await run(g))).toEqual([
            "release of green 1.0.0 -> 1.1.0: container app-green-1 depends on no BackupSnapshot taken for this release: " +
                "BackupSnapshot 'backup-blue' was taken for blue 1.0.0, not for this release (green 1.1.0). Make it dependsOn BackupSnapshot backup-green for green 1.1.0",
        ]);
    });
    test("a snapshot taken for an older release does not count", async () => {
        const g = set(goodStack(), "backup-green", "version", "1.0.0");
        expect(messages(await run(g))).toHaveLength(2);
        expect(messages(await run(g))[0]).toContain(
            "BackupSnapshot 'backup-green' was taken for green 1.0.0, not for this release (green 1.1.0)",
        );
    });
    test("a BackupSnapshot without facts is named", async () => {
        const g = set(goodStack(), "backup-green", "version", undefined);
        expect(messages(await run(g))[0]).toContain("BackupSnapshot 'backup-green' must expose the policy fact 'version'");
    });
    test("a colour whose version does not change needs no backup", async () => {
        const g = goodStack();
        g.get("app-blue-1")!.dependsOn = [];
        g.get("app-blue-2")!.dependsOn = [];
        expect(messages(await run(g))).toEqual([]);
    });
    test("a ReleaseStamp without the versionChanged fact is reported", async () => {
        const g = set(goodStack(), "release-blue", "versionChanged", undefined);
        expect(messages(await run(g))).toEqual([
            "ReleaseStamp 'release-blue' must expose the policy fact 'versionChanged' (true when this update changes the colour's version) as a plain value known at preview; got nothing",
        ]);
    });
    test("a first deployment (previousVersion null) is not a release of anything: no backup needed", async () => {
        const g = set(goodStack(), "release-blue", "versionChanged", true);
        set(g, "release-blue", "previousVersion", null);
        g.get("app-blue-1")!.dependsOn = [];
        expect(messages(await run(g))).toEqual([]);
        // The other colour's real release is still checked.
        g.get("app-green-1")!.dependsOn = [];
        expect(messages(await run(g))[0]).toContain(
            "release of green 1.0.0 -> 1.1.0: container app-green-1 does not depend on a BackupSnapshot",
        );
    });
    test("no ReleaseStamp in the stack: not applicable", async () => {
        const g = goodStack();
        g.delete("release-blue-clock");
        g.delete("release-green-clock");
        g.delete("release-blue");
        g.delete("release-green");
        expect(await run(g)).toEqual({ violations: [], notApplicable: "the stack has no ReleaseStamp (no releases to check)" });
    });
});
