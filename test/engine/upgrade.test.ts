/**
 * Real engine: a stack deployed by the program as it was before the Release component keeps
 * every resource when the current program takes over. The children that moved under Release keep
 * their identity through aliases, so the preview replaces nothing and touches no container.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { baseConfig, destroyStack, freshStack, previewNoChanges, pulumi, report, ROOT, run, STACK, up } from "./harness";

jest.setTimeout(30 * 60_000);

/** The last commit whose program registers the colours' chains at the stack's top level. */
const BEFORE_RELEASE_COMPONENT = "b86bb61";

const work = fs.mkdtempSync(path.join(os.tmpdir(), "switchyard-e2e-upgrade-"));
const previous = path.join(work, "program");

afterAll(async () => {
    await destroyStack();
    await run("git", ["-C", ROOT, "worktree", "remove", "--force", previous]);
    await run("git", ["-C", ROOT, "worktree", "prune"]);
    fs.rmSync(work, { recursive: true, force: true });
});

interface Step {
    op: string;
    urn: string;
}

describe("upgrading a deployed stack to the Release component", () => {
    test("the preview replaces nothing and changes no Docker resource; the update keeps every container", async () => {
        const checkout = await run("git", ["-C", ROOT, "worktree", "add", "--detach", previous, BEFORE_RELEASE_COMPONENT]);
        expect(checkout.stderr).not.toMatch(/fatal/);
        expect(checkout.code).toBe(0);
        fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(previous, "node_modules"));

        // Deploy with the old program (same backend, same stack, same config).
        await freshStack(baseConfig());
        fs.copyFileSync(path.join(ROOT, `Pulumi.${STACK}.yaml`), path.join(previous, `Pulumi.${STACK}.yaml`));
        const old = await run("pulumi", [
            "up",
            "--yes",
            "--skip-preview",
            "--suppress-progress",
            "--stack",
            STACK,
            "--non-interactive",
            "--cwd",
            previous,
        ]);
        expect({ code: old.code, out: old.code === 0 ? "" : old.stdout + old.stderr }).toEqual({ code: 0, out: "" });
        const ids = async () =>
            (await run("docker", ["ps", "-q", "--no-trunc", "--filter", `label=switchyard.stack=${STACK}`])).stdout
                .split("\n")
                .filter(Boolean)
                .sort();
        const before = await ids();
        expect(before).toHaveLength(5);

        // The current program: a preview, step by step.
        const preview = await pulumi(["preview", "--json", "--refresh"]);
        expect(preview.code).toBe(0);
        const steps: Step[] = JSON.parse(preview.stdout).steps ?? [];
        const changed = steps.filter((s) => s.op !== "same" && s.op !== "read" && s.op !== "refresh");
        const summary = changed.map((s) => `${s.op} ${s.urn.split("::").slice(2).join("::")}`);
        report("upgrade-to-release-component", { steps: steps.length, changed: summary });
        // The new component itself is created; the gates' command moved to runtime/gate.js, so
        // each gate runs once more. Nothing is replaced or deleted, and no Docker resource changes.
        expect(summary.sort()).toEqual([
            "create switchyard:release:Release::release",
            "update switchyard:release:Release$switchyard:release:HealthGate$command:local:Command::gate-blue-check",
            "update switchyard:release:Release$switchyard:release:HealthGate$command:local:Command::gate-green-check",
        ]);
        expect(changed.filter((s) => s.urn.includes("docker:"))).toEqual([]);

        await up();
        expect(await ids()).toEqual(before);
        expect((await previewNoChanges()).code).toBe(0);
    });
});
