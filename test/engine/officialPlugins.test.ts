/**
 * Real engine, on the official docker/command/random plugins: what their refresh and diff mean
 * for switchyard's promises. A second run changes nothing for every resource shape the stack
 * files use; router and Prometheus image changes go through; a private registry is reached with
 * the stack's credentials only; a stray DOCKER_CONTEXT never redirects a stack.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import {
    baseConfig,
    buildChildImage,
    configSet,
    destroyStack,
    eventually,
    freshStack,
    get,
    load,
    outputs,
    previewNoChanges,
    pulumi,
    report,
    ROOT,
    ROUTER_URL,
    routerStatus,
    run,
    STACK,
    up,
} from "./harness";

jest.setTimeout(30 * 60_000);

afterAll(() => destroyStack());

type Config = Record<string, Record<string, unknown>>;
const withApp = (app: Record<string, unknown>): Config => {
    const c = baseConfig() as Config;
    c["switchyard:app"] = { ...c["switchyard:app"], ...app };
    return c;
};

/** Container ids of the stack, by name. */
async function containerIds(): Promise<Record<string, string>> {
    const r = await run("docker", ["ps", "-a", "--filter", `label=switchyard.stack=${STACK}`, "--format", "{{.Names}} {{.ID}}"]);
    return Object.fromEntries(
        r.stdout
            .split("\n")
            .filter(Boolean)
            .map((l) => l.split(" ")),
    );
}

/** Probes the router with a fresh connection every 20 ms until `until` settles. */
async function probe(until: Promise<unknown>): Promise<{ sent: number; failed: number; longestGapMs: number }> {
    let done = false;
    until.then(
        () => (done = true),
        () => (done = true),
    );
    let sent = 0;
    let failed = 0;
    let lastOk = Date.now();
    let longestGapMs = 0;
    while (!done) {
        sent++;
        const ok = await new Promise<boolean>((resolve) => {
            const req = http.get(`${ROUTER_URL}/`, { agent: false, timeout: 2000 }, (res) => {
                res.resume();
                res.on("end", () => resolve(res.statusCode === 200));
            });
            req.on("timeout", () => req.destroy());
            req.on("error", () => resolve(false));
        });
        const now = Date.now();
        if (ok) {
            longestGapMs = Math.max(longestGapMs, now - lastOk);
            lastOk = now;
        } else {
            failed++;
        }
        await new Promise((r) => setTimeout(r, 20));
    }
    return { sent, failed, longestGapMs };
}

/**
 * One stack, changed step by step (each test starts where the one before left it): the base
 * shape's second run, in-place and idle-colour changes, the random header, router image changes,
 * and a stray DOCKER_CONTEXT.
 */
describe("one stack, changed step by step", () => {
    const NEXT = "switchyard/router:e2e-next";
    const CONTEXT = `switchyard-e2e-stray-${process.pid}`;
    afterAll(async () => {
        await run("docker", ["context", "rm", "-f", CONTEXT]);
        await destroyStack();
        await run("docker", ["rmi", "-f", NEXT]);
    });

    test("cpus 0.5, 128 MB, healthcheck every 2 s: up, then preview --expect-no-changes is clean and a second up touches nothing", async () => {
        await secondRunIsClean(
            "cpus 0.5, 128 MB, healthcheck every 2 s",
            { cpus: 0.5, memoryMb: 128 },
            { intervalSeconds: 2, timeoutSeconds: 2 },
        );
    });

    test("a memory change is applied in place: no container of either colour is recreated", async () => {
        const before = await containerIds();
        await configSet("app.resources.memoryMb", "192", { path: true });
        await up();
        expect(await containerIds()).toEqual(before);
        const mem = await run("docker", ["inspect", "-f", "{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}}", `${STACK}-app-green-2`]);
        expect(mem.stdout.trim()).toBe(`${192 * 1048576} ${192 * 1048576}`);
        expect((await previewNoChanges()).code).toBe(0);
    });

    test("a healthcheck change reaches the idle colour's containers (the provider cannot update it in place); the live colour keeps its own", async () => {
        await configSet("app.healthcheck.intervalSeconds", "3", { path: true });
        await up();
        const interval = async (c: string) =>
            (await run("docker", ["inspect", "-f", "{{.Config.Healthcheck.Interval}}", `${STACK}-app-${c}-1`])).stdout.trim();
        expect(await interval("green")).toMatch(/^(3s|3000000000)$/);
        // Blue serves: it keeps the spec it was released with until it is idle (or rolled).
        expect(await interval("blue")).toMatch(/^(2s|2000000000)$/);
        expect((await previewNoChanges()).code).toBe(0);
    });

    test("random provider: with no canary header value configured, a random secret value reaches the router; a second run keeps it and changes nothing", async () => {
        // The canary header without a value: the random provider makes one.
        expect((await pulumi(["config", "rm", "--path", "canary.header.value"])).code).toBe(0);
        await up();
        const first = (await outputs()).canaryHeader as { name: string; value: string };
        expect(first.value).toMatch(/^[A-Za-z0-9]{32}$/);
        const plain = await pulumi(["stack", "output", "canaryHeader"]);
        expect(plain.stdout).not.toContain(first.value);
        const forced = await get(`${ROUTER_URL}/`, { "X-Switchyard-Canary": first.value });
        const guessed = await get(`${ROUTER_URL}/`, { "X-Switchyard-Canary": "always" });
        expect([forced.headers["x-switchyard-color"], guessed.headers["x-switchyard-color"]]).toEqual(["green", "blue"]);
        const preview = await previewNoChanges();
        expect({ code: preview.code, out: preview.code === 0 ? "" : preview.stdout }).toEqual({ code: 0, out: "" });
        await up(["--refresh", "--expect-no-changes"]);
        expect(((await outputs()).canaryHeader as { value: string }).value).toBe(first.value);
    });

    test.each([
        ["a new tag", "1"],
        ["the same tag rebuilt", "2"],
    ])("router image changes, %s: up replaces the router and succeeds; the gap is measured under load", async (what, rev) => {
        if (rev === "1") {
            await buildChildImage(NEXT, "switchyard/router:local", rev);
            await configSet("router.image", NEXT, { path: true });
        } else {
            await buildChildImage(NEXT, "switchyard/router:local", rev);
        }
        // Not asked for: refused in preview and in up, and the router is left as it was.
        const routerBefore = (await run("docker", ["inspect", "-f", "{{.Id}}", `${STACK}-router`])).stdout.trim();
        await configSet("router.allowRestart", "false", { path: true });
        for (const cmd of [
            ["preview", "--refresh"],
            ["up", "--refresh", "--yes", "--skip-preview"],
        ]) {
            const refused = await pulumi([...cmd, "--suppress-progress"]);
            expect(refused.code).not.toBe(0);
            expect(refused.stdout + refused.stderr).toContain(
                rev === "1"
                    ? "switchyard: router.image changes from switchyard/router:local to switchyard/router:e2e-next; that replaces the router container"
                    : "switchyard: the router image switchyard/router:e2e-next was rebuilt (",
            );
        }
        expect((await run("docker", ["inspect", "-f", "{{.Id}}", `${STACK}-router`])).stdout.trim()).toBe(routerBefore);
        await configSet("router.allowRestart", "true", { path: true });
        const before = (await outputs()).routerConfigSha256;
        const oldId = (await run("docker", ["inspect", "-f", "{{.Id}}", `${STACK}-router`])).stdout.trim();
        let upSeconds = 0;
        const change = (async () => {
            const t0 = Date.now();
            // --refresh: only a refresh sees that a tag now names another image.
            await up(["--refresh"]);
            upSeconds = (Date.now() - t0) / 1000;
        })();
        const [loadResult, gap] = await Promise.all([
            load({ rate: 400, connections: 8, minRequests: 4_000, until: change }),
            probe(change),
        ]);
        await change;
        const newId = (await run("docker", ["inspect", "-f", "{{.Id}}", `${STACK}-router`])).stdout.trim();
        const failed = loadResult.sent - (loadResult.requests - loadResult.non2xx);
        report(`official-router-image ${what}`, { ...loadResult, failed, probe: gap, upSeconds });
        expect(newId).not.toBe(oldId);
        // The new router serves the same routing config: the apply step re-ran on it.
        expect((await routerStatus()).configSha256).toBe(before);
        expect((await get(`${ROUTER_URL}/`)).status).toBe(200);
        expect((await previewNoChanges()).code).toBe(0);
        // The documented bound of the router restart (README "Router image changes").
        expect(gap.longestGapMs).toBeLessThan(5_000);
    });

    test("a stray DOCKER_CONTEXT is refused by the program, scripts/up.sh and the switchyard commands before any provider runs", async () => {
        const before = await containerIds();
        // A context that points at another daemon (here: a socket with nothing behind it).
        expect((await run("docker", ["context", "create", CONTEXT, "--docker", "host=unix:///run/switchyard-e2e-nowhere.sock"])).code).toBe(
            0,
        );
        await configSet("colors.green.version", "1.2.1", { path: true });
        for (const cmd of [["preview"], ["up", "--yes", "--skip-preview"]]) {
            const r = await pulumi([...cmd, "--suppress-progress"], { env: { DOCKER_CONTEXT: CONTEXT } });
            expect(r.code).not.toBe(0);
            expect(r.stdout + r.stderr).toContain(
                `DOCKER_CONTEXT="${CONTEXT}" is set in the environment: the docker provider would use that context's daemon instead of switchyard:docker.host (unix:///var/run/docker.sock). Nothing was changed.`,
            );
        }
        for (const cmd of [
            ["bash", "scripts/up.sh", "--stack", STACK],
            [process.execPath, "tools/bin/switchyard.js", "drift", "--stack", STACK],
            [process.execPath, "tools/bin/switchyard.js", "up", "--stack", STACK],
        ]) {
            const r = await run(cmd[0], cmd.slice(1), { env: { DOCKER_CONTEXT: CONTEXT } });
            expect(r.code).not.toBe(0);
            expect(r.stderr).toContain(`DOCKER_CONTEXT="${CONTEXT}" is set in the environment`);
        }
        expect(await containerIds()).toEqual(before);
        expect((await routerStatus()).versions.green).toBe("1.1.0");
    });
});

/** Creates the stack with this shape; a refresh then shows nothing to change, and a second up touches nothing. */
async function secondRunIsClean(
    what: string,
    resources: { cpus: number; memoryMb: number },
    healthcheck: { intervalSeconds: number; timeoutSeconds: number },
): Promise<void> {
    await freshStack(withApp({ resources, healthcheck: { retries: 5, startPeriodSeconds: 1, ...healthcheck } }));
    await up();
    const before = await containerIds();
    const preview = await previewNoChanges();
    expect({ code: preview.code, out: preview.code === 0 ? "" : preview.stdout }).toEqual({ code: 0, out: "" });
    await up(["--refresh", "--expect-no-changes"]);
    expect(await containerIds()).toEqual(before);
    const inspect = await run("docker", [
        "inspect",
        "-f",
        "{{.HostConfig.NanoCpus}} {{.HostConfig.Memory}} {{.HostConfig.MemorySwap}} {{.Config.Healthcheck.Interval}}",
        `${STACK}-app-blue-1`,
    ]);
    const mb = resources.memoryMb * 1024 * 1024;
    expect(inspect.stdout.trim()).toBe(`${resources.cpus * 1e9} ${mb} ${mb} ${healthcheck.intervalSeconds * 1e9}`);
    report(`official-no-changes ${what}`, { containers: Object.keys(before).length, previewSeconds: preview.ms / 1000 });
}

describe("a second run changes nothing (official docker provider refresh), for the other resource shapes the stack files use", () => {
    test.each([
        ["cpus 1 (staging), 512 MB, healthcheck every 1.5 s", { cpus: 1, memoryMb: 512 }, { intervalSeconds: 1.5, timeoutSeconds: 1 }],
        ["cpus 2 (production), 1024 MB, healthcheck every 60 s", { cpus: 2, memoryMb: 1024 }, { intervalSeconds: 60, timeoutSeconds: 3 }],
    ])("%s: up, then preview --expect-no-changes is clean and a second up touches nothing", async (what, resources, healthcheck) => {
        await secondRunIsClean(what, resources, healthcheck);
    });
});

describe("private registry: credentials reach the provider's registryAuth", () => {
    const PORT = 18500 + Math.floor(Math.random() * 400);
    const REGISTRY = `127.0.0.1:${PORT}`;
    const USER = "switchyard-ci";
    const PASSWORD = `pw-${process.pid}-${Date.now()}`;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "switchyard-e2e-registry-"));
    let registry: ReturnType<typeof spawn> | undefined;

    beforeAll(async () => {
        const ht = await run("htpasswd", ["-Bbn", USER, PASSWORD]);
        expect(ht.code).toBe(0);
        fs.writeFileSync(path.join(dir, "htpasswd"), ht.stdout);
        fs.writeFileSync(
            path.join(dir, "config.yml"),
            [
                "version: 0.1",
                "log: {level: warn}",
                `storage: {filesystem: {rootdirectory: ${dir}/data}}`,
                `http: {addr: "${REGISTRY}"}`,
                `auth: {htpasswd: {realm: switchyard-e2e, path: ${dir}/htpasswd}}`,
                "",
            ].join("\n"),
        );
        registry = spawn("docker-registry", ["serve", path.join(dir, "config.yml")], { stdio: "ignore" });
        await eventually(async () => (await get(`http://${REGISTRY}/v2/`)).status === 401, 30_000, "the registry to ask for credentials");
        const login = await run("docker", ["login", REGISTRY, "-u", USER, "--password-stdin"], { input: PASSWORD });
        expect(login.code).toBe(0);
        for (const v of ["1.0.0", "1.1.0"]) {
            expect((await run("docker", ["tag", `switchyard/demo-app:${v}`, `${REGISTRY}/switchyard/demo-app:${v}`])).code).toBe(0);
            const push = await run("docker", ["push", `${REGISTRY}/switchyard/demo-app:${v}`]);
            expect(push.code).toBe(0);
            // Only the registry has it now, and the local login is gone: the provider must use the stack's credentials.
            expect((await run("docker", ["rmi", `${REGISTRY}/switchyard/demo-app:${v}`])).code).toBe(0);
        }
        expect((await run("docker", ["logout", REGISTRY])).code).toBe(0);
    });

    afterAll(async () => {
        await destroyStack();
        registry?.kill("SIGTERM");
        for (const v of ["1.0.0", "1.1.0"]) {
            await run("docker", ["rmi", "-f", `${REGISTRY}/switchyard/demo-app:${v}`]);
        }
        fs.rmSync(dir, { recursive: true, force: true });
    });

    test("without registryAuth the pull is refused; with it (a Pulumi secret) the stack comes up; the password stays secret", async () => {
        await freshStack(withApp({ image: `${REGISTRY}/switchyard/demo-app` }));
        const refused = await pulumi(["up", "--yes", "--skip-preview", "--suppress-progress"]);
        expect(refused.code).not.toBe(0);
        expect(refused.stdout + refused.stderr).toMatch(/no basic auth credentials|unauthorized|authentication required/i);

        await configSet(`registryAuth["${REGISTRY}"].username`, USER, { path: true });
        await configSet(`registryAuth["${REGISTRY}"].password`, PASSWORD, { path: true, secret: true });
        const r = await up();
        expect(r.stdout + r.stderr).not.toContain(PASSWORD);
        expect(JSON.parse((await get(`${ROUTER_URL}/`)).body)).toMatchObject({ color: "blue", version: "1.0.0" });
        expect((await outputs()).images).toEqual({
            blue: `${REGISTRY}/switchyard/demo-app:1.0.0`,
            green: `${REGISTRY}/switchyard/demo-app:1.1.0`,
        });
        const exported = await pulumi(["stack", "export"]);
        expect(exported.code).toBe(0);
        expect(exported.stdout).not.toContain(PASSWORD);
        expect(fs.readFileSync(path.join(__dirname, "../..", `Pulumi.${STACK}.yaml`), "utf8")).not.toContain(PASSWORD);
        expect((await previewNoChanges()).code).toBe(0);
    });
});

describe("the documented local passphrase is for the stack `local` only", () => {
    const OTHER = `${STACK}-passphrase`;
    const LOCAL = { PULUMI_CONFIG_PASSPHRASE: "switchyard-local-only" };
    const stackFile = path.join(ROOT, `Pulumi.${OTHER}.yaml`);
    const cleanUp = async () => {
        for (const env of [LOCAL, { PULUMI_CONFIG_PASSPHRASE: "a-passphrase-of-our-own" }]) {
            await run("pulumi", ["stack", "rm", OTHER, "--yes", "--force", "--non-interactive"], { env });
        }
        fs.rmSync(stackFile, { force: true });
    };
    beforeAll(cleanUp);
    afterAll(cleanUp);

    test("scripts/up.sh and switchyard up --create refuse another stack before it exists", async () => {
        for (const cmd of [
            ["bash", "scripts/up.sh", "--stack", OTHER],
            [process.execPath, "tools/bin/switchyard.js", "up", "--create", "--stack", OTHER],
        ]) {
            const r = await run(cmd[0], cmd.slice(1), { env: LOCAL });
            expect(r.code).not.toBe(0);
            expect(r.stderr).toContain(`stack '${OTHER}' would keep its secrets under a passphrase anyone can read in the README`);
        }
        expect(fs.existsSync(stackFile)).toBe(false);
        expect((await run("pulumi", ["stack", "ls", "--json"], { env: LOCAL })).stdout).not.toContain(`"${OTHER}"`);
    });

    test("a stack created with it by hand is refused by the program before any resource, with the way out", async () => {
        fs.writeFileSync(stackFile, `${JSON.stringify({ config: baseConfig() }, null, 2)}\n`);
        expect((await run("pulumi", ["stack", "init", OTHER, "--non-interactive"], { env: LOCAL })).code).toBe(0);
        const r = await run("pulumi", ["preview", "--stack", OTHER, "--non-interactive", "--suppress-progress"], { env: LOCAL });
        expect(r.code).not.toBe(0);
        expect(r.stdout + r.stderr).toContain(`pulumi stack change-secrets-provider passphrase --stack ${OTHER}`);
        expect(r.stdout).not.toMatch(/\+ +(docker|command):/);

        // The way out the message names: the secrets move to a passphrase of the user's own.
        const secret = ["config", "set", "--secret", "--stack", OTHER, "registryAuth", "{}"];
        expect((await run("pulumi", secret, { env: LOCAL })).code).toBe(0);
        const change = ["stack", "change-secrets-provider", "passphrase", "--stack", OTHER, "--non-interactive"];
        expect((await run("pulumi", change, { env: LOCAL, input: "a-passphrase-of-our-own\n" })).code).toBe(0);
        const own = { PULUMI_CONFIG_PASSPHRASE: "a-passphrase-of-our-own" };
        expect((await run("pulumi", ["config", "get", "--stack", OTHER, "registryAuth"], { env: own })).stdout.trim()).toBe("{}");
        const again = await run("pulumi", ["preview", "--stack", OTHER, "--non-interactive", "--suppress-progress"], { env: own });
        expect(again.stdout + again.stderr).not.toContain("documented local passphrase");
    });
});
