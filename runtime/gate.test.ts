import { spawnSync } from "child_process";
import * as http from "http";
import * as net from "net";
import * as path from "path";

const gate = require("./gate.js") as {
    runGate(
        spec: object,
        probe: (url: string) => Promise<object>,
        sleep: (ms: number) => Promise<void>,
    ): Promise<{ ok: boolean; failures: string[]; checks: object[] }>;
    probeDirect(url: string, timeoutMs: number): Promise<object>;
};

/** A real app stand-in: /health fails for the first `sickFor` requests; /boom answers 500. */
function app(sickFor: number): Promise<{ server: http.Server; port: number; hits: () => number }> {
    let healthHits = 0;
    const server = http.createServer((req, res) => {
        if (req.url === "/health") {
            healthHits++;
            res.statusCode = healthHits <= sickFor ? 503 : 200;
        } else if (req.url === "/boom") {
            res.statusCode = 500;
        } else if (req.url === "/missing") {
            res.statusCode = 404;
        }
        res.end("x");
    });
    return new Promise((resolve) =>
        server.listen(0, "127.0.0.1", () => resolve({ server, port: (server.address() as net.AddressInfo).port, hits: () => healthHits })),
    );
}

const spec = (targets: object[], patch: object = {}) => ({
    color: "green",
    version: "2.0.0",
    targets,
    healthPaths: ["/health"],
    smokePaths: ["/", "/missing"],
    retries: 4,
    intervalSeconds: 0.01,
    timeoutSeconds: 1,
    probe: { kind: "direct" },
    ...patch,
});
const probe = (url: string) => gate.probeDirect(url, 1000);
const noSleep = () => Promise.resolve();

describe("health gate", () => {
    const servers: http.Server[] = [];
    afterAll(() => servers.forEach((s) => s.close()));

    test("passes once health answers 2xx within the retries, and smoke endpoints answer below 500", async () => {
        const a = await app(3);
        servers.push(a.server);
        const r = await gate.runGate(spec([{ name: "green-1", address: "127.0.0.1", port: a.port }]), probe, noSleep);
        expect(r).toMatchObject({ ok: true, failures: [] });
        expect(a.hits()).toBe(4);
        expect(r.checks).toHaveLength(3);
    });

    test("fails naming the container, the check, the answer and the attempts", async () => {
        const good = await app(0);
        const bad = await app(100);
        servers.push(good.server, bad.server);
        const r = await gate.runGate(
            spec([
                { name: "green-1", address: "127.0.0.1", port: good.port },
                { name: "green-2", address: "127.0.0.1", port: bad.port },
            ]),
            probe,
            noSleep,
        );
        expect(r.ok).toBe(false);
        expect(r.failures).toEqual([
            `container green-2 (127.0.0.1:${bad.port}): health check GET /health answered 503 on all 4 attempts (every 0.01s, timeout 1s)`,
        ]);
        expect(bad.hits()).toBe(4);
    });

    test("a smoke endpoint answering 5xx fails the gate; a refused connection is named as such", async () => {
        const a = await app(0);
        servers.push(a.server);
        const closed = await new Promise<number>((resolve) => {
            const s = net.createServer().listen(0, "127.0.0.1", () => {
                const p = (s.address() as net.AddressInfo).port;
                s.close(() => resolve(p));
            });
        });
        const r = await gate.runGate(
            spec(
                [
                    { name: "green-1", address: "127.0.0.1", port: a.port },
                    { name: "green-2", address: "127.0.0.1", port: closed },
                ],
                { smokePaths: ["/boom"], retries: 2 },
            ),
            probe,
            noSleep,
        );
        expect(r.failures).toEqual([
            `container green-1 (127.0.0.1:${a.port}): smoke test GET /boom answered 500 (must not be 5xx)`,
            expect.stringMatching(
                new RegExp(
                    `^container green-2 \\(127\\.0\\.0\\.1:${closed}\\): health check GET /health failed \\(connect ECONNREFUSED 127\\.0\\.0\\.1:${closed}\\) on all 2 attempts`,
                ),
            ),
        ]);
    });

    test("the script exits 1 with the failures on stderr, and 0 with a summary when healthy", async () => {
        const good = await app(0);
        const bad = await app(100);
        servers.push(good.server, bad.server);
        const script = path.join(__dirname, "gate.js");
        const run = (s: object) =>
            new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
                // spawn (not spawnSync) so this process's servers keep answering
                const child = require("child_process").spawn(process.execPath, [script], {
                    env: { ...process.env, SY_GATE: JSON.stringify(s) },
                });
                let stdout = "",
                    stderr = "";
                child.stdout.on("data", (d: Buffer) => (stdout += d));
                child.stderr.on("data", (d: Buffer) => (stderr += d));
                child.on("close", (status: number) => resolve({ status, stdout, stderr }));
            });
        const ok = await run(spec([{ name: "green-1", address: "127.0.0.1", port: good.port }]));
        expect(ok.status).toBe(0);
        expect(JSON.parse(ok.stdout)).toEqual({ color: "green", version: "2.0.0", ok: true, checks: 3 });
        const failed = await run(spec([{ name: "green-9", address: "127.0.0.1", port: bad.port }], { retries: 2 }));
        expect(failed.status).toBe(1);
        expect(failed.stderr).toContain("switchyard health gate FAILED for green 2.0.0: the router keeps its previous config.");
        expect(failed.stderr).toContain(
            `container green-9 (127.0.0.1:${bad.port}): health check GET /health answered 503 on all 2 attempts`,
        );
        const invalid = spawnSync(process.execPath, [script], { env: { ...process.env, SY_GATE: "{" }, encoding: "utf8" });
        expect(invalid.status).toBe(2);
        expect(invalid.stderr).toMatch(/SY_GATE is not valid JSON/);
    });

    test.each([
        ["no replicas given", {}],
        ["replicas 0 but a share of traffic", { replicas: 0, trafficPermille: 5 }],
        ["replicas 2", { replicas: 2, trafficPermille: 0 }],
    ])("a spec without targets is refused before probing: %s", async (_, patch) => {
        await expect(gate.runGate(spec([], patch), probe, noSleep)).rejects.toThrow(/targets must list at least one container/);
    });

    test("a colour scaled to 0 with no share passes with nothing to check", async () => {
        await expect(gate.runGate(spec([], { replicas: 0, trafficPermille: 0 }), probe, noSleep)).resolves.toEqual({
            ok: true,
            failures: [],
            checks: [],
        });
    });
});
