/**
 * Real engine on real remote Docker hosts: three throwaway hosts (scripts/test-hosts.sh), each its
 * own dockerd and sshd, reached over ssh:// with a generated key and pinned host keys. The stack
 * deploys to one of them through the same `docker.hosts: [{name, host: ssh://...}]` a user writes, then
 * flips colours under load through that host's router with no failed request. A list of several
 * hosts is refused before anything changes (the fan-out is not built yet).
 */
import "./multiHostEnv";

import * as fs from "fs";
import * as path from "path";

import { dockerOn, setReachable, startTestHosts, stopTestHosts, TestHosts } from "./dockerHosts";
import {
    baseConfig,
    configSet,
    destroyStack,
    freshStack,
    get,
    load,
    PORT,
    previewNoChanges,
    pulumi,
    report,
    run,
    STACK,
    up,
} from "./harness";

jest.setTimeout(20 * 60_000);

const IMAGES = ["switchyard/demo-app:1.0.0", "switchyard/demo-app:1.1.0", "switchyard/router:local"];
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

test("the stack on one ssh:// host: up, traffic through its router, a flip under load with 0 failed requests, no drift", async () => {
    const target = hosts.hosts[0];
    const url = `http://${target.ip}:${PORT}`;
    const config = baseConfig();
    // The list form a multi-host user writes, with one entry (this version deploys to one host).
    config["switchyard:docker"] = { hosts: [{ name: "web-1", host: target.host, labels: { rack: "a" } }] };
    // Clients reach the router on the host's own address, not this machine's loopback.
    config["switchyard:router"] = { ...(config["switchyard:router"] as object), bindAddress: "0.0.0.0" };
    await freshStack(config);
    const first = await up();
    report("multi-host: up on 1 ssh:// host", { hosts: 1, seconds: first.ms / 1000 });
    const blue = await get(`${url}/`);
    expect(blue.status).toBe(200);
    expect(blue.headers["x-switchyard-color"]).toBe("blue");
    const onHost = await dockerOn(hosts, target, ["ps", "--filter", `label=switchyard.stack=${STACK}`, "--format", "{{.Names}}"]);
    expect(onHost.stdout.trim().split("\n").sort()).toEqual([
        `${STACK}-app-blue-1`,
        `${STACK}-app-blue-2`,
        `${STACK}-app-green-1`,
        `${STACK}-app-green-2`,
        `${STACK}-router`,
    ]);
    for (const other of hosts.hosts.slice(1)) {
        const none = await dockerOn(hosts, other, ["ps", "-q"]);
        expect(none.stdout.trim()).toBe("");
    }

    await configSet("activeColor", "green");
    const flip = up();
    const traffic = await load({ rate: 100, connections: 10, minRequests: 1000, until: flip, url });
    const flipped = await flip;
    report("multi-host: flip on 1 ssh:// host under load", {
        sent: traffic.sent,
        failed: traffic.non2xx + traffic.errors + traffic.timeouts + traffic.lost,
        byColor: traffic.byColor,
        upSeconds: flipped.ms / 1000,
    });
    expect(traffic.sent).toBeGreaterThanOrEqual(1000);
    expect({ non2xx: traffic.non2xx, errors: traffic.errors, timeouts: traffic.timeouts, lost: traffic.lost }).toEqual({
        non2xx: 0,
        errors: 0,
        timeouts: 0,
        lost: 0,
    });
    expect((await get(`${url}/`)).headers["x-switchyard-color"]).toBe("green");

    const preview = await previewNoChanges();
    expect(preview.code).toBe(0);

    // Three hosts: refused by the program before any resource, so the deployed host is untouched.
    const before = await dockerOn(hosts, target, ["ps", "--format", "{{.ID}} {{.Names}}"]);
    for (const [i, h] of hosts.hosts.entries()) {
        if (i > 0) {
            await configSet(`docker.hosts[${i}].name`, `web-${i + 1}`, { path: true });
            await configSet(`docker.hosts[${i}].host`, h.host, { path: true });
        }
    }
    const refused = await pulumi(["up", "--yes", "--skip-preview", "--suppress-progress"]);
    expect(refused.code).not.toBe(0);
    expect(refused.stdout + refused.stderr).toContain(
        "switchyard:docker.hosts: lists 3 hosts (web-1, web-2, web-3); this version deploys a stack to one Docker host. Nothing was changed.",
    );
    expect((await dockerOn(hosts, target, ["ps", "--format", "{{.ID}} {{.Names}}"])).stdout).toBe(before.stdout);
    for (const other of hosts.hosts.slice(1)) {
        expect((await dockerOn(hosts, other, ["ps", "-aq"])).stdout.trim()).toBe("");
    }
    // Back to the deployed config, so that the stack's teardown reaches its host.
    for (const i of [2, 1]) {
        const rm = await pulumi(["config", "rm", "--path", `docker.hosts[${i}]`]);
        expect(rm.code).toBe(0);
    }
    expect((await previewNoChanges()).code).toBe(0);
});
