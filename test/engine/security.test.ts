/**
 * Real engine, secrets and exposure: a canary secret value (a secretEnv entry and the canary
 * header value, both set with --secret) appears nowhere in `pulumi up`'s output, `switchyard up`'s
 * output, `pulumi stack export` or the file backend's state files; a typo'd secret key fails the
 * update without printing its value; the router's status document is served inside the router
 * container only, the public port answers its path with liveness alone.
 */
import "./securityEnv";
import * as fs from "fs";
import * as path from "path";
import { configSet, destroyStack, freshStack, get, pulumi, ROOT, ROUTER_URL, routerStatus, run, STACK, up } from "./harness";

jest.setTimeout(15 * 60_000);
afterAll(() => destroyStack());

const SECRET_VALUE = "canary-7f3Qx9-never-printed";
const HEADER_VALUE = "hdr-canary-K2p8w";
const CANARIES = [SECRET_VALUE, HEADER_VALUE];

const sy = (...args: string[]) => run(process.execPath, [path.join(ROOT, "tools/bin/switchyard.js"), ...args, "--stack", STACK]);

/** Every file of the file backend that belongs to this stack (checkpoint, history, backups). */
function stateFiles(): string[] {
    const url = process.env.PULUMI_BACKEND_URL ?? "";
    if (!url.startsWith("file://")) {
        throw new Error(`this test reads the file backend; PULUMI_BACKEND_URL is ${JSON.stringify(url)}`);
    }
    const root = path.join(url.slice("file://".length).replace(/\?.*$/, ""), ".pulumi");
    const out: string[] = [];
    const walk = (dir: string) => {
        for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
            const p = path.join(dir, e.name);
            if (e.isDirectory()) walk(p);
            else if (p.includes(`${path.sep}${STACK}`)) out.push(p);
        }
    };
    walk(root);
    return out;
}

function expectNoCanary(what: string, text: string): void {
    for (const c of CANARIES) {
        if (text.includes(c)) {
            throw new Error(`${what} contains the secret value ${c}`);
        }
    }
}

describe(`stack ${STACK}`, () => {
    beforeAll(async () => {
        await freshStack();
        await configSet("secretEnv.API_TOKEN", SECRET_VALUE, { secret: true, path: true });
        await configSet("canary.header.value", HEADER_VALUE, { secret: true, path: true });
    });

    test("the canary secret values appear in no output, export or state file", async () => {
        const first = await up();
        expectNoCanary("pulumi up output", first.stdout + first.stderr);

        const again = await sy("up", "--json");
        expect(again.code).toBe(0);
        expectNoCanary("switchyard up output", again.stdout + again.stderr);

        // The app really has the value (so the check above is about a value that is in play).
        const env = await run("docker", ["inspect", "--format", "{{json .Config.Env}}", `${STACK}-app-blue-1`]);
        expect(env.stdout).toContain(`API_TOKEN=${SECRET_VALUE}`);
        // And the router forces the canary with the secret header value.
        const forced = await get(`${ROUTER_URL}/`, { "X-Switchyard-Canary": HEADER_VALUE });
        expect(forced.headers["x-switchyard-color"]).toBe("green");

        const exported = await pulumi(["stack", "export"]);
        expect(exported.code).toBe(0);
        expect(exported.stdout).toContain("ciphertext");
        expectNoCanary("pulumi stack export", exported.stdout);

        const files = stateFiles();
        expect(files.length).toBeGreaterThan(0);
        for (const f of files) {
            expectNoCanary(f, fs.readFileSync(f, "utf8"));
        }
        expectNoCanary(`Pulumi.${STACK}.yaml`, fs.readFileSync(path.join(ROOT, `Pulumi.${STACK}.yaml`), "utf8"));
    });

    test("a typo in a secret key fails the update and does not print its value", async () => {
        await configSet("secretEnvs.API_TOKEN", SECRET_VALUE, { secret: true, path: true });
        try {
            const r = await pulumi(["up", "--yes", "--skip-preview", "--suppress-progress"]);
            expect(r.code).not.toBe(0);
            expect(r.stdout + r.stderr).toMatch(/switchyard:secretEnvs: unknown key/);
            expectNoCanary("a failed pulumi up", r.stdout + r.stderr);
            const viaCli = await sy("up");
            expect(viaCli.code).not.toBe(0);
            expectNoCanary("a failed switchyard up", viaCli.stdout + viaCli.stderr);
        } finally {
            await pulumi(["config", "rm", "secretEnvs"]);
        }
    });

    test("status: the document inside the router container; the public port answers liveness only", async () => {
        const status = await routerStatus();
        expect(status).toMatchObject({ activeColor: "blue", versions: { blue: "1.0.0", green: "1.1.0" } });
        const outside = await get(`${ROUTER_URL}/_switchyard/status`);
        expect(outside.status).toBe(200);
        expect(outside.body).not.toMatch(/versions|upstreams|configSha256|app-blue/);
        // switchyard drift reads the served sha inside the container: no drift right after an up.
        const drift = await sy("drift", "--json");
        expect(drift.code).toBe(0);
    });
});
