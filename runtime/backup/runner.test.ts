import * as fc from "fast-check";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { Receiver, startReceiver } from "../../test/support/receivers";
import { cronEntry, install, runOnce, RunnerInstall, RunnerOptions } from "./runner";
import { toolConfig } from "./toolConfig";

const RUN = "root /usr/local/bin/switchyard-backup-run >/proc/1/fd/1 2>/proc/1/fd/2\n";

describe("cronEntry", () => {
    test.each([
        ["* * * * *", `* * * * * ${RUN}`],
        ["15 3 * * *", `15 3 * * * ${RUN}`],
        ["  */5  0-6 1,15 * 1-5 ", `*/5 0-6 1,15 * 1-5 ${RUN}`],
    ])("%j -> one cron.d line", (cron, want) => {
        expect(cronEntry(cron)).toBe(want);
    });

    test.each([["* * * *"], ["* * * * * *"], ["0 3 * * * % echo"], ["0 3 * * mon"], ["0 3 * * *\n* * * * * root rm"], [""]])(
        "%j is refused",
        (cron) => {
            expect(() => cronEntry(cron)).toThrow(/not a 5-field cron expression/);
        },
    );

    test("property: accepted expressions give exactly one line, with the fields first; a % or line break inside never passes", () => {
        const field = fc.stringMatching(/^[0-9*,/-]{1,8}$/);
        fc.assert(
            fc.property(fc.array(field, { minLength: 5, maxLength: 5 }), (fields) => {
                const line = cronEntry(fields.join(" "));
                expect(line.split("\n")).toEqual([`${fields.join(" ")} ${RUN.trimEnd()}`, ""]);
            }),
        );
        fc.assert(
            fc.property(fc.array(field, { minLength: 5, maxLength: 5 }), fc.constantFrom("%", "\n", "\r"), fc.nat(4), (fields, bad, i) => {
                fields[i] = `${fields[i]}${bad}1`;
                expect(() => cronEntry(fields.join(" "))).toThrow();
            }),
        );
    });
});

function tmpDir(prefix: string): string {
    return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

const settings = (root: string) => ({
    stack: "unit",
    app: "app",
    target: { type: "local" as const, root },
    postgres: [{ name: "app" }],
    mysql: [],
    volumes: [],
    schedule: { keepLast: 3 },
});

describe("install", () => {
    let dir: string;
    const files = () => ({
        configFile: path.join(dir, "backup.json"),
        notifyFile: path.join(dir, "notify.json"),
        cronFile: path.join(dir, "cron.d", "switchyard-backup"),
    });
    beforeEach(() => {
        dir = tmpDir("sy-runner-install-");
        fs.mkdirSync(path.join(dir, "cron.d"));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    const payload = (over: Partial<RunnerInstall> = {}): string =>
        JSON.stringify({
            cron: "*/5 * * * *",
            config: toolConfig(settings("/var/backups"), { app: "postgres://u:pw@db/app" }, undefined, "scheduled"),
            notifications: {
                settings: { sinks: [{ type: "webhook", name: "ops" }], timeoutSeconds: 5, retries: 2, templates: {} },
                secrets: { ops: "https://hooks.example.com/secret" },
            },
            ...over,
        });
    const mode = (f: string) => fs.statSync(f).mode & 0o777;

    test("writes the tool config and the sinks 0600 and the cron line 0644; the line it prints holds no secret", async () => {
        const line = await install(payload(), files());
        const f = files();
        expect(fs.readFileSync(f.cronFile, "utf8")).toBe(`*/5 * * * * ${RUN}`);
        expect(JSON.parse(fs.readFileSync(f.configFile, "utf8")).scheduledRetention).toEqual({ keepLast: 3 });
        expect(JSON.parse(fs.readFileSync(f.notifyFile, "utf8")).secrets).toEqual({ ops: "https://hooks.example.com/secret" });
        expect([mode(f.configFile), mode(f.notifyFile), mode(f.cronFile)]).toEqual([0o600, 0o600, 0o644]);
        expect(line).toBe("switchyard-backup-runner: stack 'unit': schedule '*/5 * * * *', 1 notification sink(s)");
        expect(line).not.toMatch(/pw|secret/);
        // Nothing half-written is left beside them.
        expect(fs.readdirSync(dir).sort()).toEqual(["backup.json", "cron.d", "notify.json"]);
        expect(fs.readdirSync(path.join(dir, "cron.d"))).toEqual(["switchyard-backup"]);
    });

    test("installing again replaces the schedule; no sinks removes the sinks file", async () => {
        await install(payload(), files());
        await install(payload({ cron: "15 3 * * *", notifications: null }), files());
        expect(fs.readFileSync(files().cronFile, "utf8")).toBe(`15 3 * * * ${RUN}`);
        expect(fs.existsSync(files().notifyFile)).toBe(false);
    });

    test.each([
        ["a bad cron", { cron: "0 3 * * * % x" }, /not a 5-field cron expression/],
        ["a bad tool config", { config: '{"stack":"unit"}' }, /the installed config/],
    ])("%s: refused before anything is written", async (_, over, message) => {
        await install(payload(), files());
        const before = ["configFile", "notifyFile", "cronFile"].map((k) => fs.readFileSync(files()[k as "cronFile"], "utf8"));
        await expect(install(payload({ ...over, notifications: null }), files())).rejects.toThrow(message);
        expect(["configFile", "notifyFile", "cronFile"].map((k) => fs.readFileSync(files()[k as "cronFile"], "utf8"))).toEqual(before);
    });
});

/** A loopback port nothing listens on: the database of a failed run. */
async function closedPort(): Promise<number> {
    const s = net.createServer();
    await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
    const { port } = s.address() as net.AddressInfo;
    await new Promise<void>((r) => s.close(() => r()));
    return port;
}

describe("runOnce: a failed run", () => {
    let dir: string;
    let ok: Receiver;
    let hang: Receiver;
    let o: RunnerOptions;
    const lines: string[] = [];
    beforeAll(async () => {
        ok = await startReceiver("ok");
        hang = await startReceiver("hang");
    });
    afterAll(async () => {
        await Promise.all([ok?.close(), hang?.close()]);
    });
    beforeEach(async () => {
        dir = tmpDir("sy-runner-run-");
        fs.mkdirSync(path.join(dir, "root"));
        fs.mkdirSync(path.join(dir, "state"));
        const url = `postgres://u:pw@127.0.0.1:${await closedPort()}/app`;
        fs.writeFileSync(path.join(dir, "backup.json"), toolConfig(settings(path.join(dir, "root")), { app: url }, undefined, "scheduled"));
        lines.length = 0;
        o = {
            configFile: path.join(dir, "backup.json"),
            notifyFile: path.join(dir, "notify.json"),
            stateDir: path.join(dir, "state"),
            env: { PATH: process.env.PATH },
            now: () => new Date(),
            log: (l) => lines.push(l),
        };
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    test("sends one failure event with stack and reason to every sink; a sink that never answers costs its budget only", async () => {
        fs.writeFileSync(
            o.notifyFile,
            JSON.stringify({
                settings: {
                    sinks: [
                        { type: "webhook", name: "ok" },
                        { type: "webhook", name: "hang" },
                    ],
                    timeoutSeconds: 1,
                    retries: 0,
                    templates: {},
                },
                secrets: { ok: `${ok.url}/hook`, hang: hang.url },
            }),
        );
        const code = await runOnce(o);
        expect(code).not.toBe(0);
        const state = JSON.parse(fs.readFileSync(path.join(o.stateDir, "state.json"), "utf8"));
        expect(state.runs).toEqual({ success: 0, failure: 1 });
        expect(ok.received).toHaveLength(1);
        const body = ok.received[0].body as Record<string, unknown>;
        expect(ok.received[0].path).toBe("/hook");
        expect(body).toEqual({
            kind: "failure",
            subject: "scheduled-backup",
            at: state.lastRun.at,
            stack: "unit",
            reason: state.lastRun.error,
            durationSeconds: state.lastRun.durationSeconds,
            text: `unit: scheduled backup FAILED after ${state.lastRun.durationSeconds.toFixed(1)} s: ${state.lastRun.error} (nothing was published; earlier snapshots are kept)`,
        });
        expect(body.reason).toMatch(/backup source postgres 'app' failed/);
        expect(JSON.stringify(body)).not.toContain("pw");
        expect(hang.received.length).toBeGreaterThanOrEqual(1);
        expect(lines.filter((l) => l.includes("notification failure"))).toEqual([
            expect.stringMatching(/-> webhook 'ok': delivered/),
            expect.stringMatching(/-> webhook 'hang': NOT delivered after 1 attempt\(s\), \d+ ms: no answer within 1000 ms/),
        ]);
        expect(fs.readdirSync(path.join(dir, "root"))).toEqual([]);
        expect(fs.readFileSync(path.join(o.stateDir, "events.jsonl"), "utf8").trim().split("\n")).toHaveLength(1);
    });

    test("no sinks file: the failure is recorded, nothing is sent, nothing is logged as a problem", async () => {
        const before = ok.received.length;
        expect(await runOnce(o)).not.toBe(0);
        expect(ok.received.length).toBe(before);
        expect(lines.filter((l) => /notification|warning/.test(l))).toEqual([]);
    });
});
