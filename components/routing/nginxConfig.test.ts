import fc from "fast-check";
import * as fs from "fs";
import * as http from "http";
import { parseStackConfig } from "../../config/parse";
import { configShaOf, PUBLIC_STATUS, renderRouterConfig, RouterSpec, UpstreamTarget } from "./nginxConfig";
import { Color, COLORS } from "../../domain/color";
import { backend, freePort, get, LiveNginx, nginxTest, requireNginx, tempRuntime } from "../../test/support/nginx";

const { dir, runtime } = tempRuntime("127.0.0.1:18999");

function targets(color: Color, n: number, base = color === "blue" ? 10 : 20): UpstreamTarget[] {
    return Array.from({ length: n }, (_, i) => ({ name: `local-app-${color}-${i + 1}`, address: `172.30.0.${base + i}`, port: 8080 }));
}

function spec(patch: Partial<RouterSpec> = {}): RouterSpec {
    return {
        stack: "local",
        activeColor: "blue",
        canaryPermille: 0,
        versions: { blue: "1.0.0", green: "1.1.0" },
        upstreams: { blue: targets("blue", 2), green: targets("green", 2) },
        statusPath: "/_switchyard/status",
        runtime,
        ...patch,
    };
}

beforeAll(() => {
    requireNginx();
});

describe("rendering", () => {
    test("is deterministic and its sha can be recomputed from the text alone", () => {
        const a = renderRouterConfig(spec({ canaryPermille: 105 }));
        const b = renderRouterConfig(spec({ canaryPermille: 105 }));
        expect(a.text).toBe(b.text);
        expect(configShaOf(a.text)).toBe(a.sha256);
        expect(a.text).toContain(`"configSha256":"${a.sha256}"`);
        expect(configShaOf(a.text.replace("weight=", "weight=1"))).not.toBe(a.sha256);
        expect(configShaOf("http {}")).toBeUndefined();
    });

    test.each([
        [
            0,
            ["server 172.30.0.10:8080 weight=1; # blue local-app-blue-1", "server 172.30.0.11:8080 weight=1; # blue local-app-blue-2"],
            "default stable;",
        ],
        [
            1000,
            ["server 172.30.0.20:8080 weight=1; # green local-app-green-1", "server 172.30.0.21:8080 weight=1; # green local-app-green-2"],
            "default canary;",
        ],
        [
            100,
            ["server 172.30.0.10:8080 weight=9; # blue local-app-blue-1", "server 172.30.0.20:8080 weight=1; # green local-app-green-1"],
            "default split;",
        ],
        [
            1,
            ["server 172.30.0.10:8080 weight=999; # blue local-app-blue-1", "server 172.30.0.20:8080 weight=1; # green local-app-green-1"],
            "default split;",
        ],
    ])("canary %i permille: split pool and base role", (permille, lines, base) => {
        const text = renderRouterConfig(spec({ canaryPermille: permille })).text;
        const pool = text.slice(text.indexOf("upstream sy_split {"), text.indexOf("}", text.indexOf("upstream sy_split {")));
        for (const l of lines) {
            expect(pool).toContain(l);
        }
        expect(text).toContain(base);
    });

    test.each([
        [
            "a quote in the maintenance message",
            spec({ maintenanceMessage: "it's down" }),
            /maintenance message .* contains a character nginx cannot hold/,
        ],
        [
            "a hostname upstream",
            spec({ upstreams: { blue: [{ name: "a", address: "app-blue-1", port: 8080 }], green: targets("green", 1) } }),
            /expected an IPv4 address/,
        ],
        [
            "no container of the active colour",
            spec({ upstreams: { blue: [], green: targets("green", 1) } }),
            /colour blue has no upstream container$/,
        ],
        [
            "a canary share for a colour with no container",
            spec({ canaryPermille: 10, upstreams: { blue: targets("blue", 1), green: [] } }),
            /colour green has no upstream container but a canary share of 10 permille/,
        ],
        ["a bad cookie name", spec({ cookie: { name: "my-cookie" } }), /must be letters, digits and '_'/],
        ["permille over 1000", spec({ canaryPermille: 1001 }), /outside 0..1000/],
        ["a relative inner socket", spec({ runtime: { ...runtime, socket: "run/inner.sock" } }), /inner socket .* absolute path/],
        ["a flush interval that is no nginx time", spec({ runtime: { ...runtime, accessLogFlush: "1 s" } }), /flush interval '1 s'/],
    ])("refuses %s", (_n, s, message) => {
        expect(() => renderRouterConfig(s)).toThrow(message);
    });
});

test("an idle colour scaled to 0: its forced requests go to the active colour, and nginx -t accepts it", () => {
    const text = renderRouterConfig(spec({ upstreams: { blue: targets("blue", 2), green: [] } })).text;
    const pool = text.slice(text.indexOf("upstream sy_green {"), text.indexOf("}", text.indexOf("upstream sy_green {")));
    expect(pool.split("\n").filter((l) => l.includes("server "))).toEqual([
        "        server 172.30.0.10:8080; # blue local-app-blue-1",
        "        server 172.30.0.11:8080; # blue local-app-blue-2",
    ]);
    const checked = nginxTest(dir, text);
    expect(checked.output).toBe("");
    expect(checked.ok).toBe(true);
});

describe("nginx -t accepts every config the schema accepts", () => {
    // Plausible values and hostile ones: nginx keywords, map/server syntax, quotes, variables.
    const token = fc.oneof(
        fc.constantFrom("default", "include", "hostnames", "volatile", "server", "return", "if", "map", "always", "never", "canary"),
        fc.constantFrom("stable", "}", "{", ";", "'", '"', "$host", "\\", " ", "#", "~", "=", "*", "\n", "%", "(", ")"),
        fc.stringMatching(/^[A-Za-z0-9_.:@+=-]{1,12}$/),
    );
    const hostile = fc.array(token, { minLength: 1, maxLength: 4 }).map((a) => a.join(""));
    // Mostly values a user would plausibly write, one in nine hostile: enough configs pass the schema to check.
    const mostly = (plain: fc.Arbitrary<string>) => fc.oneof({ weight: 8, arbitrary: plain }, { weight: 1, arbitrary: hostile });
    const value = mostly(fc.stringMatching(/^[A-Za-z0-9_.:@+=-]{1,30}$/));
    const cookieName = mostly(fc.stringMatching(/^[A-Za-z0-9_]{1,20}$/));
    const headerName = mostly(fc.stringMatching(/^[A-Za-z0-9-]{1,20}$/));
    const identifier = fc.stringMatching(/^[0-9A-Za-z-]{1,12}$/);
    const version = fc
        .tuple(
            fc.nat(99),
            fc.nat(99),
            fc.nat(99),
            fc.option(fc.array(identifier, { minLength: 1, maxLength: 8 }), { nil: undefined }),
            fc.option(fc.array(identifier, { minLength: 1, maxLength: 3 }), { nil: undefined }),
        )
        .map(([a, b, c, pre, build]) => `${a}.${b}.${c}${pre ? `-${pre.join(".")}` : ""}${build ? `+${build.join(".")}` : ""}`);
    const raw = fc.record({
        activeColor: fc.constantFrom("blue", "green"),
        weight: fc.integer({ min: 0, max: 1000 }).map((p) => p / 10),
        header: fc.option(
            fc.record({ name: fc.oneof(fc.constantFrom("X-Canary", "Host", "Default", "include", "if"), headerName), value }),
            {
                nil: undefined,
            },
        ),
        cookie: fc.option(fc.record({ name: cookieName }), { nil: undefined }),
        sticky: fc.option(fc.record({ enabled: fc.boolean(), cookieName }), { nil: undefined }),
        maintenance: fc.record({ enabled: fc.boolean(), message: mostly(fc.stringMatching(/^[A-Za-z0-9 .,!?()-]{0,60}$/)) }),
        statusPath: fc.oneof(
            { weight: 2, arbitrary: fc.constantFrom("/_switchyard/status", "/status", "/a/../b", "/x.y", "/-", "//", "/health") },
            { weight: 6, arbitrary: fc.stringMatching(/^\/[A-Za-z0-9_][A-Za-z0-9_\-./]{0,20}$/) },
            { weight: 1, arbitrary: hostile.map((v) => `/${v}`) },
        ),
        statusPublic: fc.boolean(),
        replicas: fc.integer({ min: 1, max: 5 }),
        blueVersion: version,
        greenVersion: version,
    });
    test("for 120 generated stack configs, hostile values included: refused by the schema, or accepted by nginx -t", () => {
        let accepted = 0;
        fc.assert(
            fc.property(raw, (r) => {
                const parsed = parseStackConfig(
                    "prop",
                    {
                        activeColor: r.activeColor,
                        colors: { blue: { version: r.blueVersion }, green: { version: r.greenVersion } },
                        canary: { weight: r.weight, header: r.header, cookie: r.cookie, sticky: r.sticky },
                        app: { image: "switchyard/demo-app", replicas: r.replicas },
                        router: { maintenance: r.maintenance, statusPath: r.statusPath, status: { public: r.statusPublic } },
                    },
                    new Set(),
                );
                if (!parsed.ok) {
                    // Refused, with a message naming a key: nothing is rendered.
                    expect(parsed.errors.every((e) => /^switchyard:[a-z]/.test(e))).toBe(true);
                    return;
                }
                accepted++;
                const c = parsed.config;
                const rendered = renderRouterConfig({
                    stack: c.stack,
                    activeColor: c.activeColor,
                    canaryPermille: c.canary.permille,
                    versions: { blue: c.colors.blue.version.semver, green: c.colors.green.version.semver },
                    upstreams: { blue: targets("blue", c.app.replicas), green: targets("green", c.app.replicas) },
                    header: c.canary.header && { ...c.canary.header, value: c.canary.header.value ?? "RandomValueMadeByTheProgram" },
                    cookie: c.canary.cookie,
                    sticky: c.canary.sticky,
                    maintenanceMessage: c.router.maintenance.enabled ? c.router.maintenance.message : undefined,
                    statusPath: c.router.statusPath,
                    statusPublic: c.router.status.public,
                    runtime,
                });
                const verdict = nginxTest(dir, rendered.text);
                if (!verdict.ok) {
                    throw new Error(`nginx -t refused:\n${verdict.output}\n--- config ---\n${rendered.text}`);
                }
            }),
            { numRuns: 120, seed: 7 },
        );
        // Not a vacuous property: a good share of the generated configs is accepted and checked.
        expect(accepted).toBeGreaterThanOrEqual(30);
    });
});

describe("a live nginx routes as rendered", () => {
    const servers: http.Server[] = [];
    let nginx: LiveNginx | undefined;
    let url = "";
    let live: { dir: string; runtime: typeof runtime };
    const up: Record<Color, UpstreamTarget[]> = { blue: [], green: [] };

    beforeAll(async () => {
        const port = await freePort();
        live = tempRuntime(`127.0.0.1:${port}`);
        url = `http://127.0.0.1:${port}`;
        for (const c of COLORS) {
            for (let i = 0; i < 2; i++) {
                const address = c === "blue" ? "127.0.0.2" : "127.0.0.3";
                const p = await freePort(address);
                servers.push(await backend(address, p, `${c}-${i + 1}`));
                up[c].push({ name: `${c}-${i + 1}`, address, port: p });
            }
        }
    });
    afterAll(async () => {
        nginx?.stop();
        await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    });

    const liveSpec = (patch: Partial<RouterSpec>): RouterSpec => spec({ upstreams: up, runtime: live.runtime, ...patch });

    async function shares(n: number, headers: Record<string, string> = {}): Promise<Record<Color, number>> {
        const count: Record<Color, number> = { blue: 0, green: 0 };
        for (let i = 0; i < n; i++) {
            const r = await get(`${url}/`, headers);
            expect(r.status).toBe(200);
            const color = r.body.split("-")[0] as Color;
            expect(r.headers["x-switchyard-upstream-color"]).toBe(color);
            count[color]++;
        }
        return count;
    }

    test("weights give exact shares; header and cookie force; status reports the sha; maintenance answers 503", async () => {
        const first = renderRouterConfig(
            liveSpec({ canaryPermille: 100, header: { name: "X-Canary", value: "yes" }, cookie: { name: "sy_canary" } }),
        );
        nginx = new LiveNginx(live.dir, first.text);
        await new Promise((r) => setTimeout(r, 200));

        expect(await shares(1000)).toEqual({ blue: 900, green: 100 });
        expect(await shares(50, { "X-Canary": "yes" })).toEqual({ blue: 0, green: 50 });
        expect(await shares(50, { "X-Canary": "no" })).toEqual({ blue: 45, green: 5 });
        expect(await shares(30, { Cookie: "sy_canary=always" })).toEqual({ blue: 0, green: 30 });
        expect(await shares(30, { Cookie: "sy_canary=never" })).toEqual({ blue: 30, green: 0 });
        const status = JSON.parse((await get(`${url}/_switchyard/status`)).body);
        expect(status).toEqual({
            stack: "local",
            activeColor: "blue",
            weights: { blue: 90, green: 10 },
            versions: { blue: "1.0.0", green: "1.1.0" },
            upstreams: { blue: ["blue-1", "blue-2"], green: ["green-1", "green-2"] },
            maintenance: false,
            configSha256: first.sha256,
        });

        // A flip: green takes everything, by graceful reload.
        const flipped = renderRouterConfig(liveSpec({ activeColor: "green" }));
        await nginx.reload(flipped.text);
        await waitFor(async () => JSON.parse((await get(`${url}/_switchyard/status`)).body).configSha256 === flipped.sha256);
        expect(await shares(200)).toEqual({ blue: 0, green: 200 });

        const maint = renderRouterConfig(liveSpec({ maintenanceMessage: "back at 10:00" }));
        await nginx.reload(maint.text);
        await waitFor(async () => JSON.parse((await get(`${url}/_switchyard/status`)).body).configSha256 === maint.sha256);
        const r = await get(`${url}/anything`);
        expect(r.status).toBe(503);
        expect(r.body).toBe("back at 10:00\n");
        expect(r.headers["x-switchyard-maintenance"]).toBe("on");

        // Every request is logged as a JSON line with the colour that served it.
        const lines = fs
            .readFileSync(live.runtime.accessLog, "utf8")
            .trim()
            .split("\n")
            .map((l) => JSON.parse(l));
        expect(lines.filter((l) => l.color === "green").length).toBeGreaterThanOrEqual(100 + 50 + 5 + 30 + 200);
        expect(lines.every((l) => typeof l.status === "number" && typeof l.request_time === "number")).toBe(true);
    }, 60000);

    test("status: the document inside the container only by default; through the front (X-Real-IP) liveness alone, unless public", async () => {
        const internal = renderRouterConfig(liveSpec({}));
        await nginx!.reload(internal.text);
        await waitFor(async () => JSON.parse((await get(`${url}/_switchyard/status`)).body).configSha256 === internal.sha256);
        // As the front nginx proxies a client's request.
        const viaFront = await get(`${url}/_switchyard/status`, { "X-Real-IP": "203.0.113.9" });
        expect(viaFront.status).toBe(200);
        expect(JSON.parse(viaFront.body)).toEqual(PUBLIC_STATUS);
        expect(viaFront.body).not.toMatch(/blue-1|1\.0\.0|configSha256/);
        // Other paths through the front still reach the app.
        expect((await get(`${url}/`, { "X-Real-IP": "203.0.113.9" })).status).toBe(200);

        const open = renderRouterConfig(liveSpec({ statusPublic: true }));
        await nginx!.reload(open.text);
        await waitFor(async () => JSON.parse((await get(`${url}/_switchyard/status`)).body).configSha256 === open.sha256);
        const published = JSON.parse((await get(`${url}/_switchyard/status`, { "X-Real-IP": "203.0.113.9" })).body);
        expect(published).toMatchObject({ versions: { blue: "1.0.0", green: "1.1.0" }, configSha256: open.sha256 });
    }, 30000);

    test("the router image's hop: the inner answers on its unix socket too; buffered access lines reach the log within the flush", async () => {
        const socket = `${live.dir}/inner.sock`;
        const viaSocket = renderRouterConfig(liveSpec({ runtime: { ...live.runtime, socket, accessLogFlush: "300ms" } }));
        expect(viaSocket.text).toContain(`        listen unix:${socket};\n`);
        expect(viaSocket.text).toContain(`    access_log ${live.runtime.accessLog} switchyard buffer=64k flush=300ms;\n`);
        expect(viaSocket.text).toContain("    client_body_buffer_size 128k;\n");
        await nginx!.reload(viaSocket.text);
        const before = fs.readFileSync(live.runtime.accessLog, "utf8").length;
        const reply = await new Promise<{ status: number; body: string }>((resolve, reject) => {
            const req = http.request({ socketPath: socket, path: "/", method: "POST", headers: { "X-Real-IP": "203.0.113.9" } }, (res) => {
                let body = "";
                res.on("data", (c: Buffer) => (body += c.toString()));
                res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
            });
            req.on("error", reject);
            req.end(Buffer.alloc(64 * 1024, "x"));
        });
        expect(reply.status).toBe(200);
        expect(reply.body).toMatch(/^blue-[12]$/);
        await waitFor(async () => fs.readFileSync(live.runtime.accessLog, "utf8").slice(before).includes('"method":"POST"'));
        // The 64 KiB body stayed in memory: nginx warns when it spills a body to a temp file.
        expect(fs.readFileSync(live.runtime.errorLog, "utf8")).not.toMatch(/buffered to a temporary file/);
    }, 30000);

    test("sticky: a client keeps its bucket; as the weight grows clients only move towards the canary", async () => {
        const at = (permille: number) =>
            renderRouterConfig(liveSpec({ canaryPermille: permille, sticky: { cookieName: "sy_bucket", maxAgeSeconds: 3600 } }));
        const c10 = at(100);
        await nginx!.reload(c10.text);
        await waitFor(async () => JSON.parse((await get(`${url}/_switchyard/status`)).body).configSha256 === c10.sha256);

        const clients: { cookie: string; color: string }[] = [];
        for (let i = 0; i < 300; i++) {
            const r = await get(`${url}/`);
            const set = String(r.headers["set-cookie"] ?? "");
            const m = /^sy_bucket=(\d{3});/.exec(set);
            expect(m).not.toBeNull();
            expect(set).toContain("Max-Age=3600; HttpOnly; SameSite=Lax");
            clients.push({ cookie: `sy_bucket=${m![1]}`, color: r.body.split("-")[0] });
            expect(r.body.startsWith(Number(m![1]) < 100 ? "green" : "blue")).toBe(true);
        }
        // Same cookie, same colour, no new cookie.
        for (const c of clients.slice(0, 50)) {
            const r = await get(`${url}/`, { Cookie: c.cookie });
            expect(r.body.split("-")[0]).toBe(c.color);
            expect(r.headers["set-cookie"]).toBeUndefined();
        }
        const c50 = at(500);
        await nginx!.reload(c50.text);
        await waitFor(async () => JSON.parse((await get(`${url}/_switchyard/status`)).body).configSha256 === c50.sha256);
        for (const c of clients) {
            const r = await get(`${url}/`, { Cookie: c.cookie });
            const now = r.body.split("-")[0];
            if (c.color === "green") {
                expect(now).toBe("green");
            }
            expect(now).toBe(Number(c.cookie.slice(-3)) < 500 ? "green" : "blue");
        }
    }, 60000);
});

async function waitFor(check: () => Promise<boolean>, ms = 5000): Promise<void> {
    const until = Date.now() + ms;
    while (Date.now() < until) {
        if (await check()) {
            return;
        }
        await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error("timed out waiting for nginx to serve the new config");
}

describe("passive failover on a live nginx", () => {
    const servers: http.Server[] = [];
    let nginx: LiveNginx | undefined;
    afterAll(async () => {
        nginx?.stop();
        await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    });

    test("a refused or reset canary request goes to another canary container, then the stable colour; a sent POST is never replayed", async () => {
        const port = await freePort();
        const live = tempRuntime(`127.0.0.1:${port}`);
        const url = `http://127.0.0.1:${port}`;
        const seen: string[] = [];
        // green-1 refuses (nothing listens), green-2 resets every connection after reading the request.
        const refused: UpstreamTarget = { name: "green-1", address: "127.0.0.3", port: await freePort("127.0.0.3") };
        const resetPort = await freePort("127.0.0.3");
        const reset = http.createServer((req) => {
            seen.push(`green-2 ${req.method}`);
            req.socket.destroy();
        });
        await new Promise<void>((r) => reset.listen(resetPort, "127.0.0.3", () => r()));
        servers.push(reset);
        const blue: UpstreamTarget[] = [];
        for (let i = 0; i < 2; i++) {
            const p = await freePort("127.0.0.2");
            const s = await backend("127.0.0.2", p, `blue-${i + 1}`);
            s.on("request", (req: http.IncomingMessage) => seen.push(`blue-${i + 1} ${req.method}`));
            servers.push(s);
            blue.push({ name: `blue-${i + 1}`, address: "127.0.0.2", port: p });
        }
        const text = renderRouterConfig(
            spec({
                upstreams: { blue, green: [refused, { name: "green-2", address: "127.0.0.3", port: resetPort }] },
                header: { name: "X-Canary", value: "yes" },
                runtime: live.runtime,
            }),
        ).text;
        expect(text).toContain(`server 127.0.0.2:${blue[0].port} backup; # blue blue-1`);
        expect(text).toContain("proxy_next_upstream error timeout;");
        expect(text).not.toContain("non_idempotent");
        nginx = new LiveNginx(live.dir, text);
        await new Promise((r) => setTimeout(r, 200));

        // POST forced to the canary: refused by green-1 (never sent: may go on), reset by green-2
        // after it was sent: answered 502, never replayed on blue.
        const post = await request(`${url}/`, "POST", { "X-Canary": "yes" }, "x".repeat(64 * 1024));
        expect(post.status).toBe(502);
        expect(seen).toEqual(["green-2 POST"]);

        // GET forced to the canary: both canary containers fail, the stable colour answers.
        seen.length = 0;
        await nginx.reload(text + "\n");
        const r = await get(`${url}/`, { "X-Canary": "yes" });
        expect(r.status).toBe(200);
        expect(r.body).toMatch(/^blue-/);
        expect(r.headers["x-switchyard-upstream-color"]).toBe("blue");
        expect(seen.filter((s) => s.startsWith("green-2"))).toEqual(["green-2 GET"]);
    }, 60000);
});

function request(url: string, method: string, headers: Record<string, string>, body: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
        const req = http.request(
            url,
            { method, headers: { ...headers, "content-length": Buffer.byteLength(body) }, agent: false },
            (res) => {
                let text = "";
                res.setEncoding("utf8");
                res.on("data", (c) => (text += c));
                res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
            },
        );
        req.on("error", reject);
        req.end(body);
    });
}
