/**
 * Real engine: the Docker daemon restarted under a mixed 400 req/s load (tools/bench/mixedLoad.ts).
 * This machine's dockerd is shared, so the stack runs on a throwaway Docker host
 * (scripts/test-hosts.sh: a container with its own containerd, dockerd and sshd, reached over
 * ssh://), and the load reaches the host's router through the host's address. The host restarts
 * dockerd whenever it exits, as systemd does; its daemon.json sets "live-restore": true.
 * First with live-restore (the documented setting), then with it off, to show what it saves.
 */
import "./dockerdRestartEnv";

import * as path from "path";

import { figures, lost } from "../../tools/bench/loadTally";
import { FAULT_RATES, MixedLoadResult, mixedFigures, recoverySeconds, startMixedLoad } from "../../tools/bench/mixedLoad";
import { dockerOn, startTestHosts, stopTestHosts, TestHost, TestHosts } from "./dockerHosts";
import {
    baseConfig,
    colorCounts,
    destroyStack,
    freshStack,
    must,
    PORT,
    previewNoChanges,
    report,
    ROOT,
    run,
    STACK,
    switchyardJson,
    up,
    wait,
} from "./harness";

jest.setTimeout(15 * 60_000);

const IMAGES = ["switchyard/demo-app:1.0.0", "switchyard/demo-app:1.1.0", "switchyard/router:local"];
const HOST_CONTAINER = `${STACK}-host1`;
const originalPath = process.env.PATH;
let hosts: TestHosts;
let target: TestHost;
let url: string;

/** A shell command inside the host container (its own dockerd, not this machine's). */
const onHost = (script: string) => must("docker", ["exec", HOST_CONTAINER, "sh", "-c", script]);

async function liveRestore(): Promise<boolean> {
    const r = await dockerOn(hosts, target, ["info", "--format", "{{.LiveRestoreEnabled}}"]);
    if (r.code !== 0) {
        throw new Error(`docker info on the test host failed: ${r.stderr}`);
    }
    return r.stdout.trim() === "true";
}

/** Each of the stack's containers on the host: name -> id and start time (a restarted container starts again). */
async function stackContainers(): Promise<Record<string, string>> {
    const r = await dockerOn(hosts, target, [...["ps", "-a", "--filter", `label=switchyard.stack=${STACK}`, "--format", "{{.Names}}"]]);
    const names = r.stdout.split("\n").filter(Boolean).sort();
    const out: Record<string, string> = {};
    for (const n of names) {
        const i = await dockerOn(hosts, target, ["inspect", "-f", "{{.Id}} {{.State.Status}} {{.State.StartedAt}}", n]);
        out[n] = i.stdout.trim();
    }
    return out;
}

/**
 * Stops dockerd as `systemctl restart docker` does (SIGTERM, then a new one starts: the host's
 * entrypoint restarts it) and waits until the new daemon answers over ssh://. Seconds until then.
 */
async function restartDockerd(): Promise<number> {
    const before = (await onHost("cat /var/run/docker.pid")).trim();
    const t0 = Date.now();
    await onHost(`kill -TERM ${before}`);
    for (;;) {
        const pid = await run("docker", ["exec", HOST_CONTAINER, "cat", "/var/run/docker.pid"]);
        if (pid.code === 0 && pid.stdout.trim() !== before && pid.stdout.trim() !== "") {
            const v = await dockerOn(hosts, target, ["version", "--format", "{{.Server.Version}}"]);
            if (v.code === 0) {
                return (Date.now() - t0) / 1000;
            }
        }
        if (Date.now() - t0 > 120_000) {
            throw new Error("dockerd on the test host did not answer within 120 s of its restart");
        }
        await wait(200);
    }
}

/** The restart under load (2 s before, 5 s after the daemon answers again), then what noticed it. */
async function restartUnderLoad(): Promise<{
    load: MixedLoadResult;
    startMs: number;
    daemonSeconds: number;
    before: Record<string, string>;
    after: Record<string, string>;
}> {
    const before = await stackContainers();
    const load = startMixedLoad({ url, rates: FAULT_RATES });
    let startMs = 0;
    let daemonSeconds = 0;
    try {
        await wait(2000);
        startMs = load.now();
        daemonSeconds = await restartDockerd();
        await wait(4000);
    } catch (e) {
        await load.stop();
        throw e;
    }
    return { load: await load.stop(), startMs, daemonSeconds, before, after: await stackContainers() };
}

/** A short clean load: every request answered 2xx once the service is whole. */
async function cleanLoad(): Promise<MixedLoadResult> {
    const load = startMixedLoad({ url, rates: FAULT_RATES });
    await wait(3000);
    return load.stop();
}

beforeAll(async () => {
    // The host image follows this checkout's images/docker-host (skipped when up to date).
    await must("bash", [path.join(ROOT, "scripts/images.sh"), "--only", "docker-host"]);
    hosts = await startTestHosts(STACK, 1, IMAGES);
    target = hosts.hosts[0];
    url = `http://${target.ip}:${PORT}`;
    // pulumi, its docker provider and the docker CLI find the fixture's ssh (pinned keys) first.
    process.env.PATH = hosts.env.PATH;
    const config = baseConfig();
    config["switchyard:docker"] = { hosts: [{ name: "web-1", host: target.host }] };
    // Clients reach the router on the host's own address.
    config["switchyard:router"] = { ...(config["switchyard:router"] as object), bindAddress: "0.0.0.0" };
    await freshStack(config);
    const r = await up();
    report("dockerd-0-setup", { hostSeconds: hosts.seconds.total, upSeconds: r.ms / 1000 });
});

afterAll(async () => {
    try {
        await destroyStack();
    } finally {
        process.env.PATH = originalPath;
        await stopTestHosts(STACK);
    }
});

describe("dockerd restarted under a mixed 400 req/s load", () => {
    test("with live-restore: every container keeps running, nothing drifted, all served once the daemon is back (losses measured)", async () => {
        expect(await liveRestore()).toBe(true);
        const { load, startMs, daemonSeconds, before, after } = await restartUnderLoad();
        const drift = await switchyardJson(["drift"]);
        const preview = await previewNoChanges();
        const afterwards = await cleanLoad();
        report("fault-5-dockerd-restarted-live-restore", {
            ...mixedFigures(load, FAULT_RATES, startMs),
            daemonDownSeconds: daemonSeconds,
            recoverySeconds: recoverySeconds(load.total, startMs),
            containersRestarted: Object.keys(before).filter((n) => before[n] !== after[n]),
            afterwards: figures(afterwards.total),
            driftAfter: drift.code,
            previewNoChangesAfter: preview.code,
            detectedBy:
                drift.code === 1 || preview.code !== 0
                    ? "switchyard drift / a refresh preview"
                    : "nothing needed: the containers kept running",
        });
        expect(Object.keys(after)).toHaveLength(5);
        expect(after).toEqual(before);
        expect(drift.code).toBe(0);
        expect(preview.code).toBe(0);
        expect(load.total.sent).toBeGreaterThan(2000);
        // While the new daemon starts it sets up its iptables rules again, and traffic through them (the
        // published port, the bridge) can fail meanwhile: measured, no bound (it lasts about as long as
        // the daemon's start). Once it is up, everything is served again.
        expect(lost(afterwards.total)).toBe(0);
    });

    test("without live-restore (measured): the daemon stops every container, Docker starts them again; switchyard up puts the routing right", async () => {
        await onHost(`echo '{"live-restore": false}' > /etc/docker/daemon.json && kill -HUP "$(cat /var/run/docker.pid)"`);
        try {
            expect(await liveRestore()).toBe(false);
            const { load, startMs, daemonSeconds, before, after } = await restartUnderLoad();
            // The service is whole again once Docker restarted the containers (unless-stopped).
            const t0 = Date.now();
            let after2 = await cleanLoad();
            while (lost(after2.total) > 0 && Date.now() - t0 < 60_000) {
                after2 = await cleanLoad();
            }
            // Every container started again with a new address; the router still holds the old ones.
            const servedBy = await colorCounts(200, {}, 20, url);
            const drift = await switchyardJson(["drift"]);
            const preview = await previewNoChanges();
            // What an operator runs: `switchyard up` reads the host back first (refresh), then renders the routing again.
            const healed = await switchyardJson(["up"]);
            const servedAfterUp = await colorCounts(200, {}, 20, url);
            report("fault-5-dockerd-restarted-no-live-restore", {
                ...mixedFigures(load, FAULT_RATES, startMs),
                daemonDownSeconds: daemonSeconds,
                recoverySeconds: recoverySeconds(load.total, startMs),
                containersRestarted: Object.keys(before).filter((n) => before[n] !== after[n]),
                afterwards: figures(after2.total),
                servedBy,
                driftAfter: drift.code,
                previewNoChangesAfter: preview.code,
                switchyardUp: { exitCode: healed.code, summary: healed.doc.summary, seconds: healed.ms / 1000 },
                servedAfterUp,
                detectedBy: [
                    "the clients (refused connections and 502s until Docker started the containers again)",
                    drift.code === 1 ? "switchyard drift (the containers' new addresses)" : "not switchyard drift",
                    preview.code === 0 ? "not a refresh preview" : "a refresh preview",
                ].join("; "),
            });
            expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort());
            expect(lost(after2.total)).toBe(0);
            expect([0, 1]).toContain(drift.code);
            // `switchyard up` puts the routing right again: blue is live, green has no canary weight.
            expect(healed.code).toBe(0);
            expect(servedAfterUp).toEqual({ blue: 200 });
            expect((await previewNoChanges()).code).toBe(0);
        } finally {
            await onHost(`echo '{"live-restore": true}' > /etc/docker/daemon.json && kill -HUP "$(cat /var/run/docker.pid)"`);
        }
    });
});
