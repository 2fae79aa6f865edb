/**
 * Stack isolation on a real local target shared by two stacks: list, verify, prune and restore of
 * one stack never see or touch the other's snapshots; ids that could escape the root are refused.
 * Snapshots hold release.json only (no database or volume), which is all these rules need.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "fs";
import * as os from "os";
import * as path from "path";
import { runCli } from "../../test/support/backup";
import { parseConfig } from "./config";
import { main } from "./tool";

let root: string;
beforeEach(() => (root = mkdtempSync(path.join(os.tmpdir(), "sy-scope-"))));
afterEach(() => rmSync(root, { recursive: true, force: true }));

const HOUR = 3600_000;
const T0 = Date.parse("2026-11-01T00:00:00Z");

/** Tool config of `stack`; versions unchanged, so retention protects no rollback point. */
const config = (stack: string, extra: Record<string, unknown> = {}) => ({
    stack,
    app: "web",
    target: { type: "local", root },
    release: { deploymentId: `${stack}-dep`, versionsBefore: {}, versionsAfter: {} },
    ...extra,
});

async function run(args: string[], cfg: object, now = T0) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(args, {
        stdout: (l) => out.push(l),
        stderr: (l) => err.push(l),
        readLine: async () => null,
        env: { SWITCHYARD_BACKUP_CONFIG: JSON.stringify(cfg) },
        now: () => new Date(now),
    });
    return { code, stdout: out.join("\n"), stderr: err.join("\n") };
}

async function snapshot(stack: string, id: string, hoursAfterT0: number, extra: Record<string, unknown> = {}) {
    const r = await run(["snapshot"], config(stack, { snapshotId: id, ...extra }), T0 + hoursAfterT0 * HOUR);
    expect(r).toMatchObject({ code: 0 });
}

const onDisk = () =>
    readdirSync(root)
        .filter((f) => !f.startsWith("."))
        .sort();
const listIds = async (stack: string, extra: Record<string, unknown> = {}) => {
    const r = await run(["list", "--json"], config(stack, extra));
    expect(r.code).toBe(0);
    return { ids: (JSON.parse(r.stdout) as { id: string }[]).map((s) => s.id), stderr: r.stderr };
};

/** Stack A: a-1, a-2; stack B: b-1, b-2, each B snapshot newer than every A one. */
async function twoStacks() {
    await snapshot("stack-a", "a-1", 1);
    await snapshot("stack-a", "a-2", 2);
    await snapshot("stack-b", "b-1", 3);
    await snapshot("stack-b", "b-2", 4);
}

test("the manifest records the stack and the app", async () => {
    await snapshot("stack-a", "a-1", 1);
    const m = JSON.parse(readFileSync(path.join(root, "a-1", "manifest.json"), "utf8"));
    expect(m).toMatchObject({ snapshotId: "a-1", stack: "stack-a", app: "web" });
});

test("list shows only this stack's snapshots and says how many of other stacks it left out", async () => {
    await twoStacks();
    const a = await listIds("stack-a");
    expect(a.ids).toEqual(["a-1", "a-2"]);
    expect(a.stderr).toContain("2 snapshot(s) of other stacks or apps at this target not shown");
    expect((await listIds("stack-b")).ids).toEqual(["b-1", "b-2"]);
});

test("prune keeps the newest N of this stack only and never removes another stack's snapshots", async () => {
    await twoStacks();
    const r = await run(["prune", "--keep-last", "1", "--json"], config("stack-a"));
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ pruned: ["a-1"], kept: 1 });
    expect(onDisk()).toEqual(["a-2", "b-1", "b-2"]);
});

test("verify latest and restore latest pick this stack's newest, even when another stack's is newer", async () => {
    await twoStacks();
    const v = await run(["verify", "latest"], config("stack-a"));
    expect(v.code).toBe(0);
    expect(JSON.parse(v.stdout)).toMatchObject({ snapshotId: "a-2", ok: true });
    // No source to restore: the tool stops after naming the snapshot it resolved.
    const r = await run(["restore", "latest", "--yes"], config("stack-a"));
    expect(r.stderr).toContain("restore snapshot 'a-2' (created 2026-11-01T02:00:00.000Z, stack stack-a");
    expect(r.stderr).not.toContain("b-2");
    expect(onDisk()).toEqual(["a-1", "a-2", "b-1", "b-2"]);
});

test.each([["restore", "--yes"], ["verify"]])(
    "%s of another stack's snapshot id is refused (exit 2), naming both stacks",
    async (cmd, ...flags) => {
        await twoStacks();
        const r = await run([cmd, "b-2", ...flags], config("stack-a"));
        expect(r.code).toBe(2);
        expect(r.stderr).toContain("snapshot 'b-2' is of stack 'stack-b' (app 'web'), not of this stack 'stack-a' (app 'web'): refused");
    },
);

test("same stack name, another app: not this stack's snapshot", async () => {
    await snapshot("stack-a", "a-1", 1, { app: "shop" });
    expect((await listIds("stack-a")).ids).toEqual([]);
    const r = await run(["restore", "a-1", "--yes"], config("stack-a"));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("snapshot 'a-1' is of stack 'stack-a' (app 'shop'), not of this stack 'stack-a' (app 'web')");
});

test("a manifest without an app (written before apps were recorded) still belongs to its stack", async () => {
    const { app: _app, ...withoutApp } = config("stack-a", { snapshotId: "old-1" });
    expect((await run(["snapshot"], withoutApp)).code).toBe(0);
    expect(JSON.parse(readFileSync(path.join(root, "old-1", "manifest.json"), "utf8"))).not.toHaveProperty("app");
    expect((await listIds("stack-a")).ids).toEqual(["old-1"]);
    expect((await listIds("stack-b")).ids).toEqual([]);
});

test("--source not in this stack's config is refused before anything is read", async () => {
    await snapshot("stack-a", "a-1", 1);
    const r = await run(["restore", "a-1", "--yes", "--source", "billing"], config("stack-a"));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--source billing: no database or volume of stack 'stack-a' is named 'billing' (configured: none)");
});

test("a snapshot without a manifest is listed as incomplete only where the root is this stack's own", async () => {
    await snapshot("stack-a", "a-1", 1);
    mkdirSync(path.join(root, "broken-1"));
    const shared = await listIds("stack-a");
    expect(shared.ids).toEqual(["a-1"]);
    expect(shared.stderr).toContain("1 entry without a readable manifest or a valid id not shown");
    // A root named after the stack is that stack's alone: its incomplete snapshots are its own.
    const own = path.join(root, "stack-a");
    mkdirSync(path.join(own, "broken-2"), { recursive: true });
    expect((await listIds("stack-a", { target: { type: "local", root: own } })).ids).toEqual(["broken-2"]);
});

describe("snapshot ids that could escape the root are a usage error (exit 2)", () => {
    const bad = ["../stack-b", "a/b", "..", "a..b", ".incomplete-x", "/etc", "a b", ""];

    test.each(bad.map((id) => [id]))("restore/verify %j", async (id) => {
        await snapshot("stack-a", "a-1", 1);
        for (const cmd of ["restore", "verify"]) {
            const r = await run([cmd, id, "--yes"], config("stack-a"));
            expect(r.code).toBe(2);
            // An empty id is a missing argument; anything else is named as not an id.
            expect(r.stderr).toContain(id === "" ? "needs a snapshot id" : `snapshot id ${JSON.stringify(id)} is not valid`);
        }
        expect(onDisk()).toEqual(["a-1"]);
    });

    test("prune --protect", async () => {
        const r = await run(["prune", "--protect", "../x"], config("stack-a"));
        expect(r.code).toBe(2);
        expect(r.stderr).toContain('--protect "../x" is not valid');
    });

    test("through the real entry point", async () => {
        const r = await runCli(["verify", "../etc"], { SWITCHYARD_BACKUP_CONFIG: JSON.stringify(config("stack-a")) });
        expect(r.code).toBe(2);
        expect(r.stderr).toContain('snapshot id "../etc" is not valid');
        expect(existsSync(path.join(root, "..", "etc"))).toBe(false);
    });
});

describe("tool config: the S3 prefix", () => {
    const s3 = (prefix?: string) =>
        JSON.stringify({ stack: "prod", target: { type: "s3", bucket: "b-1", ...(prefix !== undefined ? { prefix } : {}) } });
    test.each([
        [undefined, "prod/"],
        ["snaps/", "snaps/"],
        ["", ""],
    ])("given %j is %j", (prefix, expected) => {
        expect(parseConfig(s3(prefix), "test").target).toMatchObject({ type: "s3", prefix: expected });
    });
});
