/**
 * The backup tool's output carries no secret it was given, whatever a client tool prints: a
 * pg_dump stand-in that prints the database password and the S3 secret key fails a snapshot,
 * and neither reaches the tool's stdout or stderr.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "fs";
import * as os from "os";
import * as path from "path";
import { main, toolSecrets } from "./tool";
import { parseConfig } from "./config";

const PASSWORD = "pw-canary-7Qx";
const S3_SECRET = "s3-canary-Zr8";
let dir: string;
const saved = process.env.AWS_SECRET_ACCESS_KEY;

beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), "sy-scrub-"));
    // Clients see the process environment (childEnv), so the S3 key is set there too.
    process.env.AWS_SECRET_ACCESS_KEY = S3_SECRET;
});
afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    if (saved === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
    else process.env.AWS_SECRET_ACCESS_KEY = saved;
});

function fakeClient(name: string, script: string): string {
    const file = path.join(dir, name);
    writeFileSync(file, `#!/bin/sh\n${script}\n`);
    chmodSync(file, 0o755);
    return file;
}

test.each([
    ["stderr, then fails", `echo "FATAL: password $PGPASSWORD rejected; AWS_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY" >&2; exit 1`],
    ["many lines, then fails", `for i in 1 2 3 4 5 6; do echo "line $i $PGPASSWORD $AWS_SECRET_ACCESS_KEY" >&2; done; exit 1`],
])("a client that prints secrets (%s): none reaches the tool's output", async (_what, script) => {
    const pgDump = fakeClient(`pg_dump-${Math.random().toString(36).slice(2)}`, script);
    const cfg = {
        stack: "e2e-sec",
        app: "web",
        target: { type: "local", root: path.join(dir, "target") },
        postgres: [{ name: "main", url: `postgres://app:${PASSWORD}@127.0.0.1:1/app`, pgDump, psql: pgDump }],
        release: { deploymentId: "e2e-sec-dep", versionsBefore: {}, versionsAfter: {} },
    };
    const out: string[] = [];
    const code = await main(["snapshot"], {
        stdout: (l) => out.push(l),
        stderr: (l) => out.push(l),
        readLine: async () => null,
        env: { SWITCHYARD_BACKUP_CONFIG: JSON.stringify(cfg), AWS_SECRET_ACCESS_KEY: S3_SECRET },
        now: () => new Date("2026-11-01T00:00:00Z"),
    });
    const text = out.join("\n");
    expect(code).not.toBe(0);
    // The failure is reported (the client's message, masked), not swallowed.
    expect(text).toMatch(/rejected|line 6/);
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain(S3_SECRET);
});

test("toolSecrets: inline URLs, URLs by variable, S3 keys", () => {
    const cfg = parseConfig(
        JSON.stringify({
            stack: "s",
            target: { type: "local", root: "/tmp/x" },
            postgres: [{ name: "a", url: "postgres://u:p1@h/d" }],
            mysql: [{ name: "b", urlEnv: "B_URL" }],
        }),
        "test",
    );
    expect(toolSecrets(cfg, { B_URL: "mysql://u:p2@h/d", AWS_SECRET_ACCESS_KEY: "k", AWS_SESSION_TOKEN: "t" })).toEqual([
        "postgres://u:p1@h/d",
        "mysql://u:p2@h/d",
        "k",
        "t",
    ]);
});
