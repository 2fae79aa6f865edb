import { main, Commands } from "./sy";
import { CliError, ExitCode, Io } from "./lib/cli";

function fakeIo(env: Record<string, string> = {}) {
    const out: string[] = [];
    const err: string[] = [];
    const io: Io = { out: (t) => void out.push(t), err: (t) => void err.push(t), env, now: () => 0 };
    return { io, out: () => out.join(""), err: () => err.join("") };
}

function fakeCommands(code: ExitCode = ExitCode.Ok) {
    const calls: [string, unknown][] = [];
    const commands: Commands = {
        up: async (o) => (calls.push(["up", o]), code),
        drift: async (o) => (calls.push(["drift", o]), code),
        recover: async (o) => (calls.push(["recover", o]), code),
        down: async (o) => (calls.push(["down", o]), code),
        backup: async (o) => (calls.push(["backup", o]), code),
        rollback: async (o) => (calls.push(["rollback", o]), code),
        audit: async (o) => (calls.push(["audit", o]), code),
        release: async (o) => (calls.push(["release", o]), code),
        status: async (o) => (calls.push(["status", o]), code),
    };
    return { commands, calls };
}

describe("switchyard: arguments", () => {
    test.each([
        [["up"], ["up", { stack: undefined, json: false, policyPack: [], refresh: true, create: false, excludeHost: [] }]],
        [
            ["up", "--stack", "local", "--create"],
            ["up", { stack: "local", json: false, policyPack: [], refresh: true, create: true, excludeHost: [] }],
        ],
        [
            ["up", "--stack", "production", "--policy-pack", "policies", "--policy-pack", "extra", "--no-refresh", "--json"],
            ["up", { stack: "production", json: true, policyPack: ["policies", "extra"], refresh: false, create: false, excludeHost: [] }],
        ],
        [["drift"], ["drift", { stack: undefined, json: false }]],
        [["rollback"], ["rollback", { stack: undefined, json: false, level: 1, yes: false }]],
        [
            ["rollback", "--level", "4", "--to", "prod-1.1.0-20260101_000000", "--snapshot", "s1", "--reason", "errors", "--yes", "--json"],
            [
                "rollback",
                { stack: undefined, json: true, level: 4, to: "prod-1.1.0-20260101_000000", snapshot: "s1", reason: "errors", yes: true },
            ],
        ],
        [
            ["audit", "--since", "2026-11-01"],
            ["audit", { stack: undefined, json: false, since: "2026-11-01" }],
        ],
        [
            ["release", "1.4.2", "--stack", "production", "--emergency", "INC-1 approved by J. Doe", "--commit"],
            [
                "release",
                {
                    stack: "production",
                    json: false,
                    action: "start",
                    version: "1.4.2",
                    emergency: "INC-1 approved by J. Doe",
                    allowDowngrade: false,
                    full: false,
                    commit: true,
                    dryRunAnalysis: false,
                },
            ],
        ],
        [
            ["release", "promote", "--full", "--json"],
            [
                "release",
                {
                    stack: undefined,
                    json: true,
                    action: "promote",
                    allowDowngrade: false,
                    full: true,
                    commit: false,
                    dryRunAnalysis: false,
                },
            ],
        ],
        [
            ["status", "--watch"],
            ["status", { stack: undefined, json: false, watch: true }],
        ],
        [
            ["drift", "--stack", "e2e", "--json"],
            ["drift", { stack: "e2e", json: true }],
        ],
        [
            ["recover", "--stack=e2e"],
            ["recover", { stack: "e2e", json: false }],
        ],
        [
            ["down", "--stack", "local", "--json"],
            ["down", { stack: "local", json: true }],
        ],
    ])("%j runs %j", async (argv, call) => {
        const { io } = fakeIo();
        const { commands, calls } = fakeCommands();
        expect(await main(argv, io, commands)).toBe(ExitCode.Ok);
        expect(calls).toEqual([call]);
    });

    test.each([
        ["no command", []],
        ["an unknown command", ["deploy"]],
        ["an unknown option", ["drift", "--bogus"]],
        ["an option without its value", ["drift", "--stack"]],
        ["a policy pack on drift", ["drift", "--policy-pack", "policies"]],
        ["an extra argument", ["recover", "now"]],
        ["backup without an action", ["backup"]],
        ["an unknown backup action", ["backup", "copy"]],
        ["verify without an id", ["backup", "verify"]],
        ["restore without an id", ["backup", "restore", "--yes"]],
        ["--yes on verify", ["backup", "verify", "latest", "--yes"]],
        ["--dry-run on restore", ["backup", "restore", "latest", "--dry-run"]],
        ["an extra argument to backup list", ["backup", "list", "more"]],
    ])("%s is a usage error (exit 2) and runs nothing", async (_what, argv) => {
        const f = fakeIo();
        const { commands, calls } = fakeCommands();
        expect(await main(argv, f.io, commands)).toBe(ExitCode.Usage);
        expect(calls).toEqual([]);
        expect(f.err()).toContain("Usage: switchyard");
    });

    test("--help exits 0 and documents the exit codes", async () => {
        const f = fakeIo();
        expect(await main(["drift", "--help"], f.io, fakeCommands().commands)).toBe(ExitCode.Ok);
        expect(f.out()).toContain("--stack <name>");
        expect(f.out()).toContain("1  drift found, or the update, the recovery, the destroy, the backup command or the rollback failed");
    });
});

describe("switchyard backup: arguments", () => {
    const backup = (o: Record<string, unknown>) => ["backup", { stack: undefined, json: false, yes: false, dryRun: false, ...o }];
    test.each([
        [["backup", "snapshot"], backup({ action: "snapshot" })],
        [["backup", "list", "--stack", "e2e-backup", "--json"], backup({ action: "list", stack: "e2e-backup", json: true })],
        [["backup", "verify", "latest"], backup({ action: "verify", ref: "latest" })],
        [["backup", "verify", "20261124T101500000Z-x", "--json"], backup({ action: "verify", ref: "20261124T101500000Z-x", json: true })],
        [["backup", "restore", "latest", "--yes", "--stack=prod"], backup({ action: "restore", ref: "latest", yes: true, stack: "prod" })],
        [["backup", "restore", "some-id"], backup({ action: "restore", ref: "some-id" })],
        [["backup", "prune", "--dry-run", "--json"], backup({ action: "prune", dryRun: true, json: true })],
        [["backup", "prune"], backup({ action: "prune" })],
    ])("%j runs %j", async (argv, call) => {
        const { commands, calls } = fakeCommands();
        expect(await main(argv, fakeIo().io, commands)).toBe(ExitCode.Ok);
        expect(calls).toEqual([call]);
    });

    test("backup --help lists the actions and documents exit codes 3 and 4", async () => {
        const f = fakeIo();
        expect(await main(["backup", "restore", "--help"], f.io, fakeCommands().commands)).toBe(ExitCode.Ok);
        expect(f.out()).toContain("--yes");
        expect(f.out()).toContain("3  backup restore, rollback --level 4: not confirmed, nothing was changed");
        expect(f.out()).toContain("4  backup verify/restore: the snapshot does not verify, nothing was changed");
    });

    test.each([ExitCode.Cancelled, ExitCode.NotVerified])("the backup command's exit code %i is the process's", async (code) => {
        expect(await main(["backup", "verify", "latest"], fakeIo().io, fakeCommands(code).commands)).toBe(code);
    });
});

describe("switchyard: exit codes", () => {
    test.each([ExitCode.Ok, ExitCode.Failed, ExitCode.Usage])("a command's exit code %i is the process's", async (code) => {
        expect(await main(["drift"], fakeIo().io, fakeCommands(code).commands)).toBe(code);
    });

    test.each(["up", "drift", "recover", "down"])("DOCKER_CONTEXT is refused before %s runs (exit 2)", async (cmd) => {
        const f = fakeIo({ DOCKER_CONTEXT: "elsewhere" });
        const { commands, calls } = fakeCommands();
        expect(await main([cmd, "--stack", "e2e"], f.io, commands)).toBe(ExitCode.Usage);
        expect(calls).toEqual([]);
        expect(f.err()).toContain(`switchyard ${cmd}: DOCKER_CONTEXT="elsewhere" is set in the environment`);
        expect(f.out()).toBe("");
    });

    test("with --json an environment error is one JSON document on stdout", async () => {
        const f = fakeIo({ DOCKER_CONTEXT: "elsewhere" });
        expect(await main(["drift", "--json"], f.io, fakeCommands().commands)).toBe(ExitCode.Usage);
        const doc = JSON.parse(f.out());
        expect(doc).toEqual({ ok: false, exitCode: 2, error: expect.stringMatching(/^DOCKER_CONTEXT="elsewhere" is set/) });
    });

    test("a CliError keeps its exit code; any other error is exit 2", async () => {
        const failing = (e: Error): Commands => ({
            up: () => Promise.reject(e),
            drift: () => Promise.reject(e),
            recover: () => Promise.reject(e),
            down: () => Promise.reject(e),
            release: () => Promise.reject(e),
            status: () => Promise.reject(e),
            backup: () => Promise.reject(e),
            rollback: () => Promise.reject(e),
            audit: () => Promise.reject(e),
        });
        const a = fakeIo();
        expect(await main(["up"], a.io, failing(new CliError("the update failed", ExitCode.Failed)))).toBe(ExitCode.Failed);
        expect(a.err()).toBe("switchyard up: the update failed\n");
        const b = fakeIo();
        expect(await main(["recover"], b.io, failing(new Error("boom")))).toBe(ExitCode.Usage);
        expect(b.err()).toBe("switchyard recover: boom\n");
    });
});
