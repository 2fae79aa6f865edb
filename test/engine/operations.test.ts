/**
 * Real engine, operations (scenarios 6-10): drift, interrupted updates, concurrent updates,
 * the audit record, and the way down. Scenario 6 creates the stack; each later one puts the base
 * config back (resetStack, the colours at the versions they run) and starts from there.
 */
import * as fs from "fs";
import * as path from "path";
import {
    colorCounts,
    configSet,
    destroyStack,
    eventually,
    freshStack,
    load,
    outputs,
    previewNoChanges,
    pulumi,
    report,
    ROOT,
    routerStatus,
    run,
    reapOrphanedPlugins,
    resetStack,
    baseConfigAtRunningVersions,
    spawnUp,
    STACK,
    up,
} from "./harness";

jest.setTimeout(30 * 60_000);

// Nothing of the stack stays up after the file, whatever the outcome.
afterAll(() => destroyStack());

const sy = (cmd: string) => run(process.execPath, [path.join(ROOT, "tools/bin/switchyard.js"), cmd, "--stack", STACK]);

/** `address:port` of every upstream in the router's routing config, sorted. */
async function routerUpstreams(): Promise<string[]> {
    const conf = await run("docker", ["exec", `${STACK}-router`, "cat", "/etc/switchyard/router/inner.conf"]);
    return [...new Set([...conf.stdout.matchAll(/server (\d+\.\d+\.\d+\.\d+:\d+)/g)].map((m) => m[1]))].sort();
}

/** `address:8080` of every app container of the stack on its network, sorted. */
async function liveAddresses(): Promise<string[]> {
    const ids = (
        await run("docker", ["ps", "-q", "--filter", `label=switchyard.stack=${STACK}`, "--filter", "label=switchyard.color"])
    ).stdout
        .split("\n")
        .filter(Boolean);
    const ips = await run("docker", ["inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", ...ids]);
    return ips.stdout
        .split("\n")
        .filter(Boolean)
        .map((ip) => `${ip}:8080`)
        .sort();
}

describe("6. drift: detected, named, healed by pulumi up", () => {
    beforeAll(async () => {
        await freshStack();
        await up();
    });

    test("a clean stack has no drift", async () => {
        const r = await sy("drift");
        expect(r.stdout).toContain(`switchyard drift check, stack ${STACK}: no drift`);
        expect(r.code).toBe(0);
    });

    test.each([
        [
            "a stopped app container",
            ["stop", `${STACK}-app-green-2`],
            new RegExp(
                `refresh: app-green-2 \\[docker:index/container:Container\\]: stopped on the host: would be replaced by a new container[\\s\\S]*container ${STACK}-app-green-2: not running \\(exited\\)`,
            ),
        ],
        [
            "a removed app container",
            ["rm", "-f", `${STACK}-app-blue-1`],
            new RegExp(
                `refresh: app-blue-1 \\[docker:index/container:Container\\]: missing on the host: would be created[\\s\\S]*container ${STACK}-app-blue-1: not found on the host`,
            ),
        ],
    ])("%s: the drift command exits 1 naming it; pulumi up heals; the drift command is clean again", async (what, dockerArgs, message) => {
        expect((await run("docker", dockerArgs)).code).toBe(0);
        const found = await sy("drift");
        expect(found.code).toBe(1);
        expect(found.stdout).toMatch(message);
        report(`6-drift-${what.replace(/ /g, "-")}`, { detected: found.stdout.split("\n").filter((l) => l.startsWith("  - ")) });
        expect(found.stdout).toContain(`Heal with: pulumi up --refresh --stack ${STACK}`);
        await up(["--refresh"]);
        const clean = await sy("drift");
        expect(clean.stdout).toContain("no drift");
        expect(clean.code).toBe(0);
        // The router's upstreams are the containers' addresses now, and no request goes astray.
        expect(await routerUpstreams()).toEqual(await liveAddresses());
        const after = await load({ rate: 400, connections: 8, minRequests: 2_000, until: Promise.resolve() });
        expect({ non2xx: after.non2xx, errors: after.errors, lost: after.lost, timeouts: after.timeouts }).toEqual({
            non2xx: 0,
            errors: 0,
            lost: 0,
            timeouts: 0,
        });
    });

    test("a hand edit of the router's nginx config: named by the drift command, restored by pulumi up", async () => {
        const o = await outputs();
        const router = String(o.routerContainer);
        const edit = await run("docker", [
            "exec",
            router,
            "sh",
            "-c",
            "sed -i 's/keepalive_timeout 65s;/keepalive_timeout 5s;/' /etc/switchyard/router/inner.conf && nginx -c /etc/switchyard/router/inner.conf -s reload",
        ]);
        expect(edit.code).toBe(0);
        const found = await sy("drift");
        expect(found.code).toBe(1);
        expect(found.stdout).toContain(`router ${STACK}-router: routing config file was edited by hand`);
        expect(found.stdout).toContain("marked the routing apply step for re-apply");
        await up(["--refresh"]);
        const clean = await sy("drift");
        expect(clean.code).toBe(0);
        expect((await routerStatus()).configSha256).toBe(o.routerConfigSha256);
    });
});

describe("7. an interrupted pulumi up", () => {
    test.each([["SIGINT"], ["SIGKILL"]] as const)(
        "%s in the middle of a release: the router serves throughout; the documented recovery brings the stack back",
        async (signal) => {
            await resetStack(await baseConfigAtRunningVersions());
            await configSet("colors.green.version", signal === "SIGINT" ? "1.2.0" : "1.2.1", { path: true });
            const child = spawnUp();
            let output = "";
            child.stdout?.on("data", (d) => (output += d));
            child.stderr?.on("data", (d) => (output += d));
            const interrupted = (async () => {
                // Interrupt while the idle colour's containers are being replaced.
                await eventually(
                    async () => /docker:index:Container app-green-\d (deleting|creating)/.test(output),
                    120_000,
                    "green's containers to be replaced",
                );
                child.kill(signal);
                await new Promise((r) => child.once("exit", r));
                await reapOrphanedPlugins();
            })();
            const during = await load({ rate: 300, connections: 8, minRequests: 3_000, until: interrupted });
            expect(during.errors).toBe(0);
            expect(during.lost).toBe(0);
            expect(during.non2xx).toBe(0);

            const recover = await sy("recover");
            expect({ code: recover.code, out: recover.stdout, err: recover.stderr }).toMatchObject({ code: 0 });
            expect(recover.stdout).toContain("refreshed state from the host and cleared pending operations");
            await up();
            expect((await previewNoChanges()).code).toBe(0);
            expect((await routerStatus()).versions.green).toBe(signal === "SIGINT" ? "1.2.0" : "1.2.1");
            const phase = /docker:index:Container app-green-\d (deleting|creating)[^\n]*/.exec(output)?.[0];
            report(`7-interrupt-${signal}`, { ...during, interruptedAt: phase, recovery: recover.stdout.trim().split("\n") });
        },
    );
});

describe("8. two pulumi up at once", () => {
    test("one is refused by the stack lock; nothing breaks", async () => {
        await resetStack(await baseConfigAtRunningVersions());
        await configSet("canary.weight", "20", { path: true });
        const [a, b] = await Promise.all([
            pulumi(["up", "--yes", "--skip-preview", "--suppress-progress"]),
            new Promise((r) => setTimeout(r, 300)).then(() => pulumi(["up", "--yes", "--skip-preview", "--suppress-progress"])),
        ]);
        const refused = [a, b].filter((r) => r.code !== 0);
        const passed = [a, b].filter((r) => r.code === 0);
        report("8-concurrent-up", { exits: [a.code, b.code] });
        expect(passed).toHaveLength(1);
        expect(refused).toHaveLength(1);
        expect(refused[0].stdout + refused[0].stderr).toMatch(/currently locked|locked by/i);
        expect((await previewNoChanges()).code).toBe(0);
        expect((await routerStatus()).weights).toEqual({ blue: 80, green: 20 });
        expect(Object.keys(await colorCounts(100)).sort()).toEqual(["blue", "green"]);
    });
});

describe("9. the audit record", () => {
    test("pulumi stack export names colours, versions, weights, deployment id, and holds no plaintext secret", async () => {
        const config = await baseConfigAtRunningVersions();
        const versions = config["switchyard:colors"] as Record<string, { version: string }>;
        // The config file only: the update below applies it with the secret.
        await resetStack(config, { update: false });
        const secret = `pw-${Date.now()}-do-not-leak`;
        await configSet("secretEnv.DB_PASSWORD", secret, { secret: true, path: true });
        await configSet("canary.weight", "12.5", { path: true });
        const r = await up();
        expect(r.stdout + r.stderr).not.toContain(secret);
        const exported = await pulumi(["stack", "export"]);
        expect(exported.code).toBe(0);
        const state = JSON.parse(exported.stdout);
        const stackOutputs = state.deployment.resources.find((x: { type: string }) => x.type === "pulumi:pulumi:Stack").outputs;
        expect(stackOutputs).toMatchObject({
            activeColor: "blue",
            versions: { blue: versions.blue.version, green: versions.green.version },
            weights: { blue: 87.5, green: 12.5 },
        });
        expect(stackOutputs.deploymentId).toMatch(new RegExp(`^${STACK}-${versions.green.version.replace(/\./g, "\\.")}-\\d{8}_\\d{6}$`));
        expect(exported.stdout).not.toContain(secret);
        // The secret is in the containers, encrypted in state, and really reaches the app (the idle
        // colour: the live one keeps the spec it was released with).
        const inspect = await run("docker", ["inspect", "-f", "{{range .Config.Env}}{{println .}}{{end}}", `${STACK}-app-green-1`]);
        expect(inspect.stdout).toContain(`DB_PASSWORD=${secret}`);
        for (const res of state.deployment.resources.filter((x: { type: string }) => x.type === "command:local:Command")) {
            expect(JSON.stringify(res)).not.toContain(secret);
        }
        const stateFiles = findFiles(path.join(ROOT, ".switchyard/state"));
        for (const f of stateFiles) {
            expect(fs.readFileSync(f, "utf8")).not.toContain(secret);
        }
        report("9-audit", { stateFiles: stateFiles.length, exportBytes: exported.stdout.length });
    });
});

describe("10. scripts/down.sh: switchyard down removes every resource, the stack stays", () => {
    test("no container, network or volume of the stack is left; the stack's history is kept", async () => {
        const r = await run("bash", ["scripts/down.sh", "--stack", STACK]);
        expect({ code: r.code, err: r.code === 0 ? "" : r.stderr }).toEqual({ code: 0, err: "" });
        expect(r.stdout).toMatch(new RegExp(`switchyard down, stack ${STACK}: [1-9][0-9]* resource\\(s\\) removed`));
        for (const kind of ["ps -a", "network ls", "volume ls"]) {
            const left = await run("docker", [...kind.split(" "), "-q", "--filter", `label=switchyard.stack=${STACK}`]);
            expect({ kind, left: left.stdout.trim() }).toEqual({ kind, left: "" });
        }
        const history = await pulumi(["stack", "history", "--json"]);
        expect(JSON.parse(history.stdout).length).toBeGreaterThan(1);
    });
});

function findFiles(dir: string): string[] {
    if (!fs.existsSync(dir)) return [];
    return fs
        .readdirSync(dir, { withFileTypes: true })
        .flatMap((e) => (e.isDirectory() ? findFiles(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}
