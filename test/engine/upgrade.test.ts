/**
 * Real engine: a stack deployed by the program as it was before the Release component keeps
 * every resource when the current program takes over. The children that moved under Release keep
 * their identity through aliases, so the preview replaces nothing and touches no container. The
 * stack has a backup and a migration, so their ledger and hook commands (since moved from inline
 * scripts to runtime/) are upgraded too: they run once more and keep what they recorded.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { baseConfig, destroyStack, forOlderProgram, freshStack, previewNoChanges, pulumi, report, ROOT, run, STACK, up } from "./harness";

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

/** A state value as `stack export --show-secrets` prints it: secrets carry their JSON in `plaintext`. */
function plain(v: unknown): string {
    return typeof v === "object" && v !== null && "plaintext" in v ? JSON.parse(String(v.plaintext)) : String(v);
}

/** stdout of the stack's ledger, snapshot and migration commands, by resource name (secrets shown). */
async function recorded(): Promise<Record<string, string>> {
    const e = await pulumi(["stack", "export", "--show-secrets"]);
    expect(e.code).toBe(0);
    const resources: { urn: string; type: string; outputs?: { stdout?: unknown } }[] = JSON.parse(e.stdout).deployment.resources ?? [];
    return Object.fromEntries(
        resources
            .filter((r) => r.type === "command:local:Command" && /::(ledger-\w+-record|backup-\w+-snapshot|migration-\w+-run)$/.test(r.urn))
            .map((r) => [r.urn.split("::").pop()!, plain(r.outputs?.stdout)]),
    );
}

describe("upgrading a deployed stack to the Release component", () => {
    test("the preview replaces nothing and changes no Docker resource; the update keeps every container", async () => {
        const checkout = await run("git", ["-C", ROOT, "worktree", "add", "--detach", previous, BEFORE_RELEASE_COMPONENT]);
        expect(checkout.stderr).not.toMatch(/fatal/);
        expect(checkout.code).toBe(0);
        fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(previous, "node_modules"));

        // Deploy with the old program (same backend, same stack, same config), with a backup of a
        // volume and a migration whose output changes on every run.
        const config = forOlderProgram(baseConfig());
        config["switchyard:backup"] = {
            target: { type: "local", root: path.join(work, "backups") },
            volumes: [{ name: "data", volume: `${STACK}-upgrade-data` }],
        };
        config["switchyard:migration"] = { command: ["sh", "-c", "echo migrated $SWITCHYARD_DEPLOYMENT_ID $(date +%s%N)"] };
        await freshStack(config);
        // Labelled with the stack: destroyStack removes it.
        const volume = await run("docker", ["volume", "create", "--label", `switchyard.stack=${STACK}`, `${STACK}-upgrade-data`]);
        expect(volume.code).toBe(0);
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
        const records = await recorded();
        expect(Object.keys(records).sort()).toEqual([
            "backup-blue-snapshot",
            "backup-green-snapshot",
            "ledger-blue-record",
            "ledger-green-record",
            "migration-blue-run",
            "migration-green-run",
        ]);
        expect(records["migration-green-run"]).toMatch(/^switchyard-migration \S+\nmigrated /);

        // The current program: a preview, step by step.
        const preview = await pulumi(["preview", "--json", "--refresh"]);
        expect(preview.code).toBe(0);
        const steps: Step[] = JSON.parse(preview.stdout).steps ?? [];
        const changed = steps.filter((s) => s.op !== "same" && s.op !== "read" && s.op !== "refresh");
        const summary = changed.map((s) => `${s.op} ${s.urn.split("::").slice(2).join("::")}`);
        report("upgrade-to-release-component", { steps: steps.length, changed: summary });
        // The new component itself is created; the gates', the ledgers' and the migration hooks'
        // commands moved to runtime/, so each runs once more. A snapshot's record of the release
        // (version before, commit) is unknown until its ledger has run again, so the preview shows
        // the snapshot as updated; the ledger reprints its entry and the update takes no snapshot
        // (checked below). The routing apply step moved to runtime/ too: it applies the same config
        // once more (validated, graceful reload). The route fences are created; their first run
        // changes nothing. Nothing is replaced or deleted, and no Docker
        // resource changes.
        const R = "update switchyard:release:Release$switchyard:";
        expect(summary.sort()).toEqual([
            "create switchyard:release:Release::release",
            "create switchyard:routing:RouteFence$command:local:Command::fence-blue-step",
            "create switchyard:routing:RouteFence$command:local:Command::fence-green-step",
            "create switchyard:routing:RouteFence::fence-blue",
            "create switchyard:routing:RouteFence::fence-green",
            `${R}backup:BackupSnapshot$command:local:Command::backup-blue-snapshot`,
            `${R}backup:BackupSnapshot$command:local:Command::backup-green-snapshot`,
            `${R}backup:ReleaseLedger$command:local:Command::ledger-blue-record`,
            `${R}backup:ReleaseLedger$command:local:Command::ledger-green-record`,
            `${R}release:HealthGate$command:local:Command::gate-blue-check`,
            `${R}release:HealthGate$command:local:Command::gate-green-check`,
            `${R}release:MigrationHook$command:local:Command::migration-blue-run`,
            `${R}release:MigrationHook$command:local:Command::migration-green-run`,
            "update switchyard:routing:CanaryRouter$command:local:Command::routing-apply",
        ]);
        expect(changed.filter((s) => s.urn.includes("docker:"))).toEqual([]);

        await up();
        expect(await ids()).toEqual(before);
        // The ledgers keep their entries (commit and "before" of the release), no snapshot is taken
        // and the migrations did not run again (their output has the time of the first run).
        expect(await recorded()).toEqual(records);
        expect((await previewNoChanges()).code).toBe(0);
    });
});
