/**
 * Real engine: faults under a mixed open-loop load (tools/bench/mixedLoad.ts: keep-alive GETs,
 * GETs on fresh connections, 64 KiB POSTs, 400 req/s in all). One stack for the file: blue live
 * with two replicas, green a 10% canary, pre-deploy snapshots of a Docker volume to a small
 * loop-mounted filesystem. Each fault reports what it cost per stream, how long until the service
 * was whole again and what noticed it. A dockerd restart is in dockerdRestart.test.ts (on a test host).
 */
import "./faultsEnv";

import * as fs from "fs";
import * as path from "path";

import { figures, lost } from "../../tools/bench/loadTally";
import { FAULT_RATES, MixedLoadResult, mixedFigures, recoverySeconds, startMixedLoad } from "../../tools/bench/mixedLoad";
import {
    baseConfig,
    colorContainerIds,
    colorCounts,
    configSet,
    destroyStack,
    freshStack,
    must,
    previewNoChanges,
    pulumi,
    report,
    ROOT,
    ROUTER_URL,
    routerStatus,
    run,
    STACK,
    switchyardJson,
    up,
    wait,
} from "./harness";

jest.setTimeout(15 * 60_000);

const IMAGE = `switchyard/demo-app-${STACK}`;
const VERSIONS = ["1.0.0", "1.1.0", "1.2.0"];
const VOLUME = `${STACK}-data`;
// Fixed paths, so a run killed before its afterAll is cleaned up by the next one.
const DISK_IMAGE = `/tmp/switchyard-${STACK}-disk.img`;
const BACKUP_ROOT = `/tmp/switchyard-${STACK}-backups`;

async function unmountBackupDisk(): Promise<void> {
    if ((await run("mountpoint", ["-q", BACKUP_ROOT])).code === 0) {
        await must("umount", [BACKUP_ROOT]);
    }
    fs.rmSync(BACKUP_ROOT, { recursive: true, force: true });
    fs.rmSync(DISK_IMAGE, { force: true });
}

/** The demo app as this checkout has it (the shared switchyard/demo-app tags may come from another checkout). */
async function buildImage(): Promise<void> {
    const ctx = fs.mkdtempSync(`/tmp/switchyard-${STACK}-image-`);
    try {
        fs.copyFileSync(path.join(ROOT, "app/src/server.js"), path.join(ctx, "server.js"));
        fs.writeFileSync(path.join(ctx, "Dockerfile"), "FROM switchyard/demo-app:1.0.0\nCOPY server.js /app/src/server.js\n");
        await must("docker", ["build", "-q", "-t", `${IMAGE}:${VERSIONS[0]}`, ctx]);
        for (const v of VERSIONS.slice(1)) {
            await must("docker", ["tag", `${IMAGE}:${VERSIONS[0]}`, `${IMAGE}:${v}`]);
        }
    } finally {
        fs.rmSync(ctx, { recursive: true, force: true });
    }
}

/** Writes `mb` MiB of random data (incompressible) into the backed-up volume, or empties it (0). */
async function fillVolume(mb: number): Promise<void> {
    const script = mb > 0 ? `head -c ${mb}M /dev/urandom > /v/blob` : "rm -f /v/blob";
    await must("docker", ["run", "--rm", "-v", `${VOLUME}:/v`, "switchyard/base:bookworm", "sh", "-c", script]);
}

interface FaultMarks {
    /** When the fault began and ended, ms since the load started. */
    start: number;
    end: number;
}

/** Runs `fault` under the mixed load (a little load before and after it); returns the counts and the fault's marks. */
async function underLoad(fault: (now: () => number) => Promise<FaultMarks>): Promise<{ load: MixedLoadResult; marks: FaultMarks }> {
    const load = startMixedLoad({ url: ROUTER_URL, rates: FAULT_RATES });
    try {
        await wait(2000);
        const marks = await fault(load.now);
        await wait(3000);
        return { load: await load.stop(), marks };
    } catch (e) {
        await load.stop();
        throw e;
    }
}

/** A short load after a fault: the service is whole again (every request answered 2xx). */
async function cleanLoad(): Promise<MixedLoadResult> {
    const load = startMixedLoad({ url: ROUTER_URL, rates: FAULT_RATES });
    await wait(3000);
    return load.stop();
}

beforeAll(async () => {
    await unmountBackupDisk();
    await buildImage();
    // A 20 MB ext4 as the snapshot target: the snapshot of a volume holding more than it fits fills it.
    await must("truncate", ["-s", "20M", DISK_IMAGE]);
    await must("mkfs.ext4", ["-q", "-F", DISK_IMAGE]);
    fs.mkdirSync(BACKUP_ROOT, { recursive: true });
    await must("mount", ["-o", "loop", DISK_IMAGE, BACKUP_ROOT]);

    const config = baseConfig();
    (config["switchyard:app"] as Record<string, unknown>).image = IMAGE;
    config["switchyard:canary"] = { ...(config["switchyard:canary"] as object), weight: 10 };
    config["switchyard:backup"] = { target: { type: "local", root: BACKUP_ROOT }, volumes: [{ name: "data", volume: VOLUME }] };
    await freshStack(config);
    // After freshStack: it removes the stack's labelled volumes.
    await must("docker", ["volume", "create", "--label", `switchyard.stack=${STACK}`, VOLUME]);
    await must("docker", ["run", "--rm", "-v", `${VOLUME}:/v`, "switchyard/base:bookworm", "sh", "-c", "echo order-42 > /v/orders.txt"]);
    const r = await up();
    report("fault-0-setup", { upSeconds: r.ms / 1000 });
});

afterAll(async () => {
    try {
        await destroyStack();
    } finally {
        await unmountBackupDisk();
        await run("docker", ["image", "rm", ...VERSIONS.map((v) => `${IMAGE}:${v}`)]);
    }
});

describe("faults under a mixed 400 req/s load", () => {
    test("a live container paused (SIGSTOP) for 30 s: measured; the service is whole after the unpause", async () => {
        const name = `${STACK}-app-blue-1`;
        let drift: { code: number; doc: any; ms: number; finishedPaused: boolean } | undefined;
        const { load, marks } = await underLoad(async (now) => {
            const start = now();
            await must("docker", ["pause", name]);
            const pausedUntil = Date.now() + 30_000;
            // Does the drift check see it while it lasts? It runs beside the pause, which ends on time.
            const checking = switchyardJson(["drift"]).then((d) => {
                drift = { code: d.code, doc: d.doc, ms: d.ms, finishedPaused: Date.now() < pausedUntil };
            });
            await wait(Math.max(0, pausedUntil - Date.now()));
            await must("docker", ["unpause", name]);
            const end = now();
            await checking;
            return { start, end };
        });
        const after = await cleanLoad();
        report("fault-1-paused-live-container", {
            ...mixedFigures(load, FAULT_RATES, marks.start),
            pausedSeconds: (marks.end - marks.start) / 1000,
            recoverySeconds: recoverySeconds(load.total, marks.start),
            driftDuringPause: { exitCode: drift?.code, finishedWhilePaused: drift?.finishedPaused, seconds: (drift?.ms ?? 0) / 1000 },
            afterwards: figures(after.total),
            detectedBy: [
                load.total.lastFailureMs !== undefined && load.total.lastFailureMs < marks.end
                    ? "the router (connections to the stopped container time out once its listen backlog is full; passive failover skips it)"
                    : "not the router",
                drift?.code === 1
                    ? "switchyard drift"
                    : "not switchyard drift, whose refresh preview and live checks ran during the pause (a paused container is running to Docker)",
            ].join("; "),
        });
        // The drift check ran (exit 2 would mean it could not).
        expect([0, 1]).toContain(drift?.code);
        // The design gives no bound while the container is stopped; afterwards everything is served again.
        expect(lost(after.total)).toBe(0);
    });

    test("the router container restarted: measured; it comes back with the config in force, and nothing drifted", async () => {
        const before = await routerStatus();
        const { load, marks } = await underLoad(async (now) => {
            const start = now();
            await must("docker", ["restart", "-t", "10", `${STACK}-router`]);
            return { start, end: now() };
        });
        const status = await routerStatus();
        const drift = await switchyardJson(["drift"]);
        const after = await cleanLoad();
        report("fault-2-router-restarted", {
            ...mixedFigures(load, FAULT_RATES, marks.start),
            restartSeconds: (marks.end - marks.start) / 1000,
            recoverySeconds: recoverySeconds(load.total, marks.start),
            driftAfter: drift.code,
            afterwards: figures(after.total),
            detectedBy: drift.code === 1 ? "switchyard drift" : "nothing needed: Docker restarts it with its config",
        });
        expect(status.configSha256).toBe(before.configSha256);
        expect(drift.code).toBe(0);
        expect(lost(after.total)).toBe(0);
    });

    test("the backup disk fills during a release's snapshot: the update is refused, nothing partial published, earlier snapshots verify, 0 lost", async () => {
        const listed0 = await switchyardJson(["backup", "list"]);
        expect(listed0.code).toBe(0);
        const ids0 = (listed0.doc as { id: string }[]).map((s) => s.id).sort();
        expect(ids0).toHaveLength(2);
        const green0 = await colorContainerIds("green");
        await fillVolume(24);
        await configSet("colors.green.version", "1.2.0", { path: true });
        let refused: Awaited<ReturnType<typeof pulumi>> | undefined;
        const { load, marks } = await underLoad(async (now) => {
            const start = now();
            refused = await pulumi(["up", "--yes", "--skip-preview", "--suppress-progress"]);
            return { start, end: now() };
        });
        const message = `${refused!.stdout}\n${refused!.stderr}`;
        const leftovers = fs.readdirSync(BACKUP_ROOT).filter((f) => f !== "lost+found");
        const listed1 = await switchyardJson(["backup", "list"]);
        const verified = await Promise.all(ids0.map((id) => switchyardJson(["backup", "verify", id])));
        const green1 = await colorContainerIds("green");

        // Recovery: space freed, the same release again.
        await fillVolume(0);
        const retry = await up();
        report("fault-3-backup-disk-full", {
            ...mixedFigures(load, FAULT_RATES, marks.start),
            refusedAfterSeconds: refused!.ms / 1000,
            error: /backup source [^\n]*(no space|ENOSPC)[^\n]*/i.exec(message)?.[0] ?? null,
            snapshotsBefore: ids0.length,
            snapshotsAfterRefusal: (listed1.doc as unknown[]).length,
            recoverySeconds: retry.ms / 1000,
            recovery: "space freed, the same `pulumi up` again",
            detectedBy: "pulumi up (the pre-deploy snapshot fails; the release stops before green's containers)",
        });
        expect(refused!.code).not.toBe(0);
        expect(message).toMatch(/backup source volume 'data' failed: .*(no space left on device|ENOSPC)/i);
        expect(leftovers.sort()).toEqual(ids0);
        expect(listed1.code).toBe(0);
        expect((listed1.doc as { id: string }[]).map((s) => s.id).sort()).toEqual(ids0);
        expect(verified.map((v) => [v.code, v.doc.ok])).toEqual(ids0.map(() => [0, true]));
        expect(green1).toEqual(green0);
        expect(lost(load.total)).toBe(0);
        expect(fs.readdirSync(BACKUP_ROOT).filter((f) => f !== "lost+found")).toHaveLength(3);
    });

    test.each([
        // Phases far longer than a release takes: the gate surely runs in the first, failing one.
        ["slower than the gate (300 s phases): the gate fails, the colour stays fenced and gets no traffic", 300, false],
        ["faster than the gate (2 s phases): the gate passes on a healthy phase and the canary serves", 2, true],
    ])("green deployed with a health check that flaps %s; 0 lost", async (_, seconds, passes) => {
        await configSet("colors.green.env.HEALTH_FLAP_SECONDS", String(seconds), { path: true });
        let result: Awaited<ReturnType<typeof pulumi>> | undefined;
        const { load, marks } = await underLoad(async (now) => {
            const start = now();
            result = await pulumi(["up", "--yes", "--skip-preview", "--suppress-progress"]);
            return { start, end: now() };
        });
        const router = await run("docker", [
            "inspect",
            "-f",
            "{{.State.Status}} restarts={{.RestartCount}} exit={{.State.ExitCode}}",
            `${STACK}-router`,
        ]);
        const routerLog = await run("docker", ["logs", "--tail", "15", `${STACK}-router`]);
        const health = (await run("docker", ["inspect", "-f", "{{.State.Health.Status}}", `${STACK}-app-green-1`])).stdout.trim();
        report(`fault-4-flapping-health-${seconds}s`, {
            ...mixedFigures(load, FAULT_RATES, marks.start),
            upExit: result!.code,
            upSeconds: result!.ms / 1000,
            upTail: result!.code === 0 ? undefined : `${result!.stdout}\n${result!.stderr}`.slice(-3000),
            router: router.stdout.trim(),
            // The router's own words when it is not simply running as it was.
            routerLog: /^running restarts=0 /.test(router.stdout) ? undefined : `${routerLog.stdout}${routerLog.stderr}`.slice(-3000),
            greenDockerHealth: health,
            recoverySeconds: 0,
            detectedBy: result!.code === 0 ? "nothing: the gate passed on a healthy phase" : "pulumi up (the health gate)",
        });
        const forced = {
            header: await colorCounts(100, { "X-Switchyard-Canary": "always" }),
            weighted: await colorCounts(400),
        };
        report(`fault-4-flapping-health-${seconds}s-served-by`, forced);
        expect(lost(load.total)).toBe(0);
        if (passes) {
            expect(result!.code).toBe(0);
            expect(forced.header).toEqual({ green: 100 });
            expect(Object.keys(forced.weighted).sort()).toEqual(["blue", "green"]);
            expect((await previewNoChanges()).code).toBe(0);
        } else {
            expect(result!.code).not.toBe(0);
            expect(result!.stdout + result!.stderr).toMatch(/health gate FAILED for green[\s\S]*health check GET \/health answered 503/);
            expect(forced).toEqual({ header: { blue: 100 }, weighted: { blue: 400 } });
        }
    });
});
