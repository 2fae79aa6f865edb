/**
 * Real engine on real remote Docker hosts: three throwaway hosts (scripts/test-hosts.sh), each its
 * own dockerd and sshd, reached over ssh:// with a generated key and pinned host keys, driven by the
 * same `docker.hosts: [{name, host: ssh://...}]` a user writes. One stack grows from one host to
 * three (a release timed at each size), then, through the example front balancer over the three
 * routers: a flip under load, a gate failing on one host (no router changes anywhere), a host
 * unreachable (refused, then left out with --exclude-host), and drift on one host named by host.
 */
import "./multiHostEnv";

import * as fs from "fs";
import * as path from "path";

import { dockerOn, setReachable, startTestHosts, stopTestHosts, TestHost, TestHosts } from "./dockerHosts";
import {
    baseConfig,
    configSet,
    destroyStack,
    freshStack,
    get,
    load,
    outputs,
    PORT,
    previewNoChanges,
    pulumi,
    report,
    ROOT,
    run,
    STACK,
    switchyardJson,
    up,
} from "./harness";
import { ROUTER_IMAGE_RUNTIME } from "../../domain/routerImage";

jest.setTimeout(20 * 60_000);

// 1.2.0: the release whose gate fails on one host (that host gets a broken image under its tag).
const IMAGES = ["switchyard/demo-app:1.0.0", "switchyard/demo-app:1.1.0", "switchyard/demo-app:1.2.0", "switchyard/router:local"];
const FRONT = `${STACK}-front`;
const FRONT_PORT = PORT + 1;
const FRONT_URL = `http://127.0.0.1:${FRONT_PORT}`;
const FRONT_SCRIPT = path.join(ROOT, "examples/front-balancer/run.sh");
let hosts: TestHosts;
const originalPath = process.env.PATH;

beforeAll(async () => {
    hosts = await startTestHosts(STACK, 3, IMAGES);
    // pulumi, its docker provider and the docker CLI find the fixture's ssh (pinned keys) first.
    process.env.PATH = hosts.env.PATH;
    report("multi-host: start 3 test hosts", { hosts: 3, images: IMAGES.length, ...hosts.seconds });
});

afterAll(async () => {
    try {
        await destroyStack();
    } finally {
        process.env.PATH = originalPath;
        await run("bash", [FRONT_SCRIPT, "--down", FRONT]);
        await stopTestHosts(STACK);
    }
});

test("three hosts answer docker over ssh://, each its own daemon with the images loaded", async () => {
    const ids = new Set<string>();
    for (const h of hosts.hosts) {
        expect(h.host).toBe(`ssh://root@${h.ip}`);
        const info = await dockerOn(hosts, h, ["info", "--format", "{{.ID}} {{.Name}}"]);
        expect(info.code).toBe(0);
        const [id, name] = info.stdout.trim().split(" ");
        expect(name).toBe(h.name);
        ids.add(id);
        const images = await dockerOn(hosts, h, ["image", "ls", "--format", "{{.Repository}}:{{.Tag}}"]);
        expect(images.stdout.trim().split("\n").sort()).toEqual([...IMAGES].sort());
    }
    expect(ids.size).toBe(3);
});

test("a host key that is not the pinned one is refused", async () => {
    // Host 2's key pinned under host 1's address: ssh must refuse instead of trusting it.
    const [h1, h2] = hosts.hosts;
    const known = fs.readFileSync(path.join(hosts.dir, "known_hosts"), "utf8").split("\n");
    const wrong = path.join(hosts.dir, "known_hosts.wrong");
    const key2 = known
        .find((l) => l.startsWith(`${h2.ip} `))!
        .split(" ")
        .slice(1)
        .join(" ");
    fs.writeFileSync(wrong, `${h1.ip} ${key2}\n`);
    const r = await run("ssh", ["-o", `UserKnownHostsFile=${wrong}`, "-o", "ControlMaster=no", "-o", "ControlPath=none", h1.ip, "true"], {
        env: hosts.env,
    });
    fs.rmSync(wrong);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/HOST IDENTIFICATION HAS CHANGED|Host key verification failed/);
});

test("a cut host does not answer while the others do, and answers again once mended", async () => {
    const [h1, h2, h3] = hosts.hosts;
    const sshTo = (ip: string) => run("ssh", [ip, "true"], { env: hosts.env, timeoutMs: 30_000 });
    await setReachable(hosts, 2, false);
    try {
        const cut = await sshTo(h3.ip);
        expect(cut.code).toBe(255);
        expect(cut.stderr).toMatch(/timed out/i);
        for (const h of [h1, h2]) {
            expect((await dockerOn(hosts, h, ["version", "--format", "{{.Server.Version}}"])).code).toBe(0);
        }
    } finally {
        await setReachable(hosts, 2, true);
    }
    expect((await dockerOn(hosts, h3, ["version", "--format", "{{.Server.Version}}"])).code).toBe(0);
});

const failed = (t: { non2xx: number; errors: number; timeouts: number; lost: number }) => t.non2xx + t.errors + t.timeouts + t.lost;
const noFailures = (t: { non2xx: number; errors: number; timeouts: number; lost: number }) => ({
    non2xx: t.non2xx,
    errors: t.errors,
    timeouts: t.timeouts,
    lost: t.lost,
});

/** The routing a host's router serves (its status document, read inside the router container). */
async function servedRouting(h: TestHost): Promise<{ activeColor: string; weights: unknown; versions: unknown; configSha256: string }> {
    const r = await dockerOn(hosts, h, [
        "exec",
        `${STACK}-router`,
        "curl",
        "-fsS",
        "--max-time",
        "5",
        `http://${ROUTER_IMAGE_RUNTIME.listen}/_switchyard/status`,
    ]);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    return { activeColor: s.activeColor, weights: s.weights, versions: s.versions, configSha256: s.configSha256 };
}

/** `docker ps` of the stack on a host: "name image" lines, sorted. */
async function stackContainers(h: TestHost, format = '{{.Names}} {{.Label "switchyard.version"}}'): Promise<string[]> {
    const r = await dockerOn(hosts, h, ["ps", "--filter", `label=switchyard.stack=${STACK}`, "--format", format]);
    expect(r.code).toBe(0);
    return r.stdout
        .split("\n")
        .map((l) => l.trim())
        .filter(Boolean)
        .sort();
}

/** The front balancer's log of failed answers (status, which router, what it answered), for the figures. */
async function frontFailures(): Promise<string[]> {
    const r = await run("docker", ["logs", FRONT]);
    return (r.stdout + r.stderr).split("\n").filter((l) => / upstream=/.test(l) || /\[(error|crit|alert|emerg)\]/.test(l));
}

/** What a load through the front balancer saw, with the balancer's log of failed answers. */
async function throughFront(traffic: Awaited<ReturnType<typeof load>>) {
    return { sent: traffic.sent, failed: failed(traffic), byColor: traffic.byColor, frontLog: await frontFailures() };
}

async function setHosts(n: number): Promise<void> {
    for (let i = 0; i < n; i++) {
        await configSet(`docker.hosts[${i}].name`, `web-${i + 1}`, { path: true });
        await configSet(`docker.hosts[${i}].host`, hosts.hosts[i].host, { path: true });
    }
}

let release = 0;
/** A release of the idle colour (new env: new containers, their gates, the routing apply on every router). */
async function releaseIdle(color: string): Promise<number> {
    release++;
    await configSet(`colors.${color}.env.RELEASE`, String(release), { path: true });
    return (await up()).ms / 1000;
}

describe("one stack over three hosts", () => {
    const seconds: Record<string, number> = {};

    test("grows from one host to three (two join in one update): every host runs both colours and its own router, a release reaches all", async () => {
        const config = baseConfig();
        config["switchyard:docker"] = { hosts: [{ name: "web-1", host: hosts.hosts[0].host, labels: { rack: "a" } }] };
        // Clients (and the front balancer) reach each router on its host's own address.
        config["switchyard:router"] = { ...(config["switchyard:router"] as object), bindAddress: "0.0.0.0" };
        await freshStack(config);
        seconds.firstUp1 = (await up()).ms / 1000;
        seconds.release1 = await releaseIdle("green");
        // Two hosts join in one update.
        await setHosts(3);
        seconds.addHosts2And3 = (await up()).ms / 1000;
        seconds.release3 = await releaseIdle("green");
        report("multi-host: up seconds by host count (release = new green containers, gates, routing apply everywhere)", {
            release1: seconds.release1,
            release3: seconds.release3,
            firstUp1Host: seconds.firstUp1,
            addHosts2And3: seconds.addHosts2And3,
            release3vs1: Math.round((seconds.release3 / seconds.release1) * 100) / 100,
        });

        const o = await outputs();
        expect((o.hosts as { name: string; routerUrl: string }[]).map((h) => [h.name, h.routerUrl])).toEqual(
            hosts.hosts.map((h, i) => [`web-${i + 1}`, `http://${h.ip}:${PORT}`]),
        );
        expect(o.excludedHosts).toEqual([]);
        const shas = new Set<string>();
        for (const h of hosts.hosts) {
            expect(await stackContainers(h)).toEqual([
                `${STACK}-app-blue-1 1.0.0`,
                `${STACK}-app-blue-2 1.0.0`,
                `${STACK}-app-green-1 1.1.0`,
                `${STACK}-app-green-2 1.1.0`,
                `${STACK}-router`,
            ]);
            const served = await servedRouting(h);
            expect(served.activeColor).toBe("blue");
            shas.add(served.configSha256);
            const reply = await get(`http://${h.ip}:${PORT}/`);
            expect([reply.status, reply.headers["x-switchyard-color"]]).toEqual([200, "blue"]);
            // The same canary header on every router.
            const forced = await get(`http://${h.ip}:${PORT}/`, { "X-Switchyard-Canary": "always" });
            expect(forced.headers["x-switchyard-color"]).toBe("green");
        }
        // Each router serves the config state has for it (hosts may allocate the same addresses, so
        // two routers' configs can be byte for byte the same).
        expect([...shas].sort()).toEqual(
            [...new Set((o.hosts as { routerConfigSha256: string }[]).map((h) => h.routerConfigSha256))].sort(),
        );
        expect((await previewNoChanges()).code).toBe(0);
    });

    test("a flip under load through the front balancer reaches all three routers with 0 failed requests", async () => {
        const start = await run("bash", [
            FRONT_SCRIPT,
            FRONT,
            `${STACK}-hosts`,
            String(FRONT_PORT),
            ...hosts.hosts.map((h) => `${h.ip}:${PORT}`),
        ]);
        expect(start.stderr).toBe("");
        expect(start.code).toBe(0);
        const upstreams = new Set<string>();
        for (let i = 0; i < 12; i++) {
            const r = await get(`${FRONT_URL}/`);
            expect([r.status, r.headers["x-switchyard-color"]]).toEqual([200, "blue"]);
            upstreams.add(String(r.headers["x-switchyard-front-upstream"]));
        }
        expect(upstreams).toEqual(new Set(hosts.hosts.map((h) => `${h.ip}:${PORT}`)));

        await configSet("activeColor", "green");
        const flip = up();
        const traffic = await load({ rate: 100, connections: 10, minRequests: 1000, until: flip, url: FRONT_URL });
        const flipped = await flip;
        report("multi-host: flip on 3 hosts under load through the front balancer", {
            ...(await throughFront(traffic)),
            upSeconds: flipped.ms / 1000,
        });
        expect(traffic.sent).toBeGreaterThanOrEqual(1000);
        expect(noFailures(traffic)).toEqual({ non2xx: 0, errors: 0, timeouts: 0, lost: 0 });
        for (const h of hosts.hosts) {
            expect((await servedRouting(h)).activeColor).toBe("green");
            expect((await get(`http://${h.ip}:${PORT}/`)).headers["x-switchyard-color"]).toBe("green");
        }
    });

    test("status shows each host's router and the share it measured, at a 20% canary under load through the front balancer", async () => {
        await configSet("canary.weight", "20", { path: true });
        await up();
        const status = switchyardJson(["status"]);
        const traffic = await load({ rate: 100, connections: 10, minRequests: 600, until: status, url: FRONT_URL });
        const s = await status;
        expect({ code: s.code, stderr: s.code === 0 ? "" : s.stderr }).toEqual({ code: 0, stderr: "" });
        const seen = (
            s.doc.hosts as {
                name: string;
                health: string;
                weights: Record<string, number>;
                measured?: { share: Record<string, number>; requests: number };
            }[]
        ).map((h) => ({
            name: h.name,
            health: h.health,
            weights: h.weights,
            requests: h.measured?.requests ?? 0,
            blue: h.measured?.share.blue,
        }));
        report("multi-host: status per host at a 20% canary (blue) under load", { ...(await throughFront(traffic)), hosts: seen });
        expect(noFailures(traffic)).toEqual({ non2xx: 0, errors: 0, timeouts: 0, lost: 0 });
        expect(seen.map((h) => [h.name, h.health, h.weights])).toEqual(
            hosts.hosts.map((_, i) => [`web-${i + 1}`, "ok", { blue: 20, green: 80 }]),
        );
        for (const h of seen) {
            // Each router's own counters over the 2 s sample: about a third of the load each, 20% of it to blue.
            expect({ host: h.name, counted: h.requests > 0 }).toEqual({ host: h.name, counted: true });
            expect({ host: h.name, blueWithin10Points: Math.abs((h.blue ?? 0) - 0.2) <= 0.1 }).toEqual({
                host: h.name,
                blueWithin10Points: true,
            });
        }
        await configSet("canary.weight", "0", { path: true });
        await up();
    });

    test("a gate failing on one host leaves every router as it was", async () => {
        // Host 3 holds a broken image under the release's tag (its health endpoints answer 503).
        const [, , h3] = hosts.hosts;
        const broken = await run("docker", ["-H", h3.host, "build", "-q", "-t", "switchyard/demo-app:1.2.0", "-"], {
            env: { ...hosts.env, DOCKER_BUILDKIT: "0" },
            input: "FROM switchyard/demo-app:1.1.0\nENV FAIL_HEALTH=1\n",
        });
        expect(broken.code).toBe(0);
        const before = await Promise.all(hosts.hosts.map(servedRouting));

        await configSet("colors.blue.version", "1.2.0", { path: true });
        const failing = pulumi(["up", "--yes", "--skip-preview", "--suppress-progress"]);
        const traffic = await load({ rate: 100, connections: 10, minRequests: 500, until: failing, url: FRONT_URL });
        const r = await failing;
        report("multi-host: a gate failing on one of 3 hosts, load through the front balancer", {
            ...(await throughFront(traffic)),
            upSeconds: r.ms / 1000,
        });
        expect(r.code).not.toBe(0);
        // The failed step names the host (web-3's gate), and the gate what failed there.
        expect(r.stdout + r.stderr).toMatch(/release@web-3-gate-blue-check[^\n]*\*\*updating failed\*\*/);
        expect(r.stdout + r.stderr).toContain("switchyard health gate FAILED for blue 1.2.0");
        expect(r.stdout + r.stderr).not.toMatch(/routing(@web-\d)?-apply/);
        expect(noFailures(traffic)).toEqual({ non2xx: 0, errors: 0, timeouts: 0, lost: 0 });
        expect(traffic.byColor).toEqual({ green: traffic.requests });
        const after = await Promise.all(hosts.hosts.map(servedRouting));
        // Same active colour, weights and versions everywhere (the idle colour stays fenced).
        expect(after.map(({ activeColor, weights, versions }) => ({ activeColor, weights, versions }))).toEqual(
            before.map(({ activeColor, weights, versions }) => ({ activeColor, weights, versions })),
        );
        for (const h of hosts.hosts) {
            const forced = await get(`http://${h.ip}:${PORT}/`, { "X-Switchyard-Canary": "always" });
            expect(forced.headers["x-switchyard-color"]).toBe("green");
        }
        await configSet("colors.blue.version", "1.0.0", { path: true });
    });

    test("a host that does not answer: refused naming it, then --exclude-host goes on without it, recorded", async () => {
        const [h1, h2, h3] = hosts.hosts;
        const onFirst = await stackContainers(h1, "{{.ID}} {{.Names}}");
        await setReachable(hosts, 2, false);
        try {
            const refused = await switchyardJson(["up"]);
            report("multi-host: up refused, one host down", { seconds: refused.ms / 1000 });
            expect(refused.code).toBe(2);
            expect(refused.stderr).toContain(`host web-3 (${h3.host}) does not answer`);
            expect(refused.stderr).toContain(
                "Nothing was changed. Fix: bring it back, or release on the other hosts with --exclude-host web-3",
            );
            expect(await stackContainers(h1, "{{.ID}} {{.Names}}")).toEqual(onFirst);

            // The release of blue 1.0.0 goes on with web-1 and web-2; the front balancer passes over web-3.
            const goOn = switchyardJson(["up", "--exclude-host", "web-3"]);
            const traffic = await load({ rate: 100, connections: 10, minRequests: 500, until: goOn, url: FRONT_URL });
            const r = await goOn;
            report("multi-host: up --exclude-host web-3 while it is down, load through the front balancer", {
                ...(await throughFront(traffic)),
                upSeconds: r.ms / 1000,
            });
            expect({ code: r.code, error: r.doc.error }).toEqual({ code: 0, error: undefined });
            expect(r.doc.outputs.excludedHosts).toEqual(["web-3"]);
            expect(noFailures(traffic)).toEqual({ non2xx: 0, errors: 0, timeouts: 0, lost: 0 });
            for (const h of [h1, h2]) {
                expect((await stackContainers(h)).filter((c) => c.includes("-app-blue-"))).toEqual([
                    `${STACK}-app-blue-1 1.0.0`,
                    `${STACK}-app-blue-2 1.0.0`,
                ]);
            }
            // For that update only: the next one reaches every host again.
            expect((await pulumi(["config", "get", "--path", "docker.excludeHosts"])).code).not.toBe(0);
        } finally {
            await setReachable(hosts, 2, true);
        }
        // Left as it was: web-3 still runs the blue containers of the failed release.
        expect((await stackContainers(h3)).filter((c) => c.includes("-app-blue-"))).toEqual([
            `${STACK}-app-blue-1 1.2.0`,
            `${STACK}-app-blue-2 1.2.0`,
        ]);
        await up();
        expect((await stackContainers(h3)).filter((c) => c.includes("-app-blue-"))).toEqual([
            `${STACK}-app-blue-1 1.0.0`,
            `${STACK}-app-blue-2 1.0.0`,
        ]);
        expect((await outputs()).excludedHosts).toEqual([]);
    });

    test("drift on one host is named by host, and the next up heals it", async () => {
        const h2 = hosts.hosts[1];
        expect((await dockerOn(hosts, h2, ["rm", "-f", `${STACK}-app-green-1`])).code).toBe(0);
        const d = await switchyardJson(["drift"]);
        expect(d.code).toBe(1);
        const items = d.doc.items as string[];
        expect(items).toContain(`host web-2: container ${STACK}-app-green-1: not found on the host`);
        expect(items.filter((i) => !i.startsWith("host web-2: "))).toEqual([]);
        // The documented heal: an up that reads the hosts first (switchyard up refreshes by default).
        await up(["--refresh"]);
        const healed = await switchyardJson(["drift"]);
        expect({ code: healed.code, items: healed.doc.items }).toEqual({ code: 0, items: [] });
    });

    test("rollback level 1 flips every router back to blue, all at once, under load through the front balancer", async () => {
        const rollback = switchyardJson(["rollback", "--level", "1", "--reason", "several-host drill"]);
        const traffic = await load({ rate: 100, connections: 10, minRequests: 500, until: rollback, url: FRONT_URL });
        const r = await rollback;
        report("multi-host: rollback level 1 on 3 hosts under load through the front balancer", {
            ...(await throughFront(traffic)),
            fastPath: r.doc.fastPath,
            trafficMovedSeconds: r.doc.trafficMovedSeconds,
            totalSeconds: r.doc.totalSeconds,
        });
        expect({ code: r.code, error: r.doc.error }).toEqual({ code: 0, error: undefined });
        // Blue ran healthy on every host: every router got the flipped routing before the update.
        expect(r.doc.fastPath).toBe("router");
        expect(noFailures(traffic)).toEqual({ non2xx: 0, errors: 0, timeouts: 0, lost: 0 });
        for (const h of hosts.hosts) {
            expect((await servedRouting(h)).activeColor).toBe("blue");
            expect((await get(`http://${h.ip}:${PORT}/`)).headers["x-switchyard-color"]).toBe("blue");
        }
        expect((await pulumi(["config", "get", "activeColor"])).stdout.trim()).toBe("blue");
    });
});
