/**
 * Real-engine harness: the real `pulumi` CLI (scripts/toolchain.sh puts it on PATH), the real
 * plugins and the local Docker engine. Tests use their own stack (`e2e`, config file
 * Pulumi.e2e.yaml, git-ignored) so a developer's `local` stack is never touched.
 */
import autocannon from "autocannon";
import { execFile, spawn } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { parse as parseYaml } from "yaml";

import { ROUTER_IMAGE_RUNTIME } from "../../domain/routerImage";
export const ROOT = path.resolve(__dirname, "../..");
export const STACK = process.env.SWITCHYARD_E2E_STACK ?? "e2e";
// The throwaway e2e stacks' own passphrase (scripts/test.sh sets the same): the documented local
// one is refused for any stack but `local`.
process.env.PULUMI_CONFIG_PASSPHRASE = "switchyard-e2e-only";
export const PORT = Number(process.env.SWITCHYARD_E2E_PORT ?? 18180);
export const ROUTER_URL = `http://127.0.0.1:${PORT}`;
const CONFIG_FILE = path.join(ROOT, `Pulumi.${STACK}.yaml`);

export interface Run {
    code: number;
    stdout: string;
    stderr: string;
    ms: number;
}

function requireToolchain(): void {
    if (!process.env.PULUMI_BACKEND_URL) {
        throw new Error("engine tests run through `npm test` (scripts/test.sh), which sets up the toolchain and the backend");
    }
}

/** Runs a command; never throws for a non-zero exit (the caller asserts on it). */
export function run(cmd: string, args: string[], opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<Run> {
    const t0 = Date.now();
    return new Promise((resolve) => {
        const child = execFile(
            cmd,
            args,
            {
                cwd: ROOT,
                env: { ...process.env, ...opts.env },
                timeout: opts.timeoutMs ?? 600_000,
                maxBuffer: 64 * 1024 * 1024,
            },
            (err, stdout, stderr) => {
                const code = err ? (typeof (err as { code?: unknown }).code === "number" ? (err as { code: number }).code : 1) : 0;
                resolve({ code, stdout: String(stdout), stderr: String(stderr), ms: Date.now() - t0 });
            },
        );
        if (opts.input !== undefined) {
            child.stdin?.end(opts.input);
        }
    });
}

/** `run` that throws on a non-zero exit (with its stderr); its stdout. */
export async function must(cmd: string, args: string[], env?: NodeJS.ProcessEnv): Promise<string> {
    const r = await run(cmd, args, env ? { env } : {});
    if (r.code !== 0) {
        throw new Error(`${cmd} ${args.join(" ")} failed (${r.code}): ${r.stderr}`);
    }
    return r.stdout;
}

export const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The operator CLI (`switchyard ... --stack STACK --json`) with `input` on its stdin (closed when
 * none): its JSON report, exit code, stderr and wall time. Throws with what it printed when the
 * output is not one JSON document.
 */
export async function switchyardJson(
    args: string[],
    opts: { input?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<{ code: number; doc: any; stderr: string; ms: number }> {
    const r = await run(process.execPath, [path.join(ROOT, "tools/bin/switchyard.js"), ...args, "--stack", STACK, "--json"], {
        input: opts.input ?? "",
        ...(opts.env ? { env: opts.env } : {}),
    });
    let doc: unknown;
    try {
        doc = JSON.parse(r.stdout);
    } catch {
        throw new Error(`switchyard ${args.join(" ")} printed no JSON document (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
    }
    return { code: r.code, doc, stderr: r.stderr, ms: r.ms };
}

/** Ids of the running containers of one colour of the test stack, sorted. */
export async function colorContainerIds(color: string): Promise<string[]> {
    const r = await run("docker", [
        "ps",
        "-q",
        "--no-trunc",
        "--filter",
        `label=switchyard.stack=${STACK}`,
        "--filter",
        `label=switchyard.color=${color}`,
    ]);
    return r.stdout.split("\n").filter(Boolean).sort();
}

export function pulumi(args: string[], opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<Run> {
    requireToolchain();
    return run("pulumi", [...args, "--stack", STACK, "--non-interactive"], opts);
}

/** `pulumi up`; throws with the CLI's output when it fails. */
export async function up(extra: string[] = []): Promise<Run> {
    const r = await pulumi(["up", "--yes", "--skip-preview", "--suppress-progress", ...extra]);
    if (r.code !== 0) {
        throw new Error(`pulumi up failed (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
    }
    return r;
}

/** `pulumi preview --refresh --expect-no-changes`: the host read back, then nothing to change (code 0). */
export function previewNoChanges(extra: string[] = []): Promise<Run> {
    return pulumi(["preview", "--refresh", "--expect-no-changes", "--suppress-progress", ...extra]);
}

export async function configSet(key: string, value: string, opts: { secret?: boolean; path?: boolean } = {}): Promise<void> {
    const args = ["config", "set", ...(opts.path ? ["--path"] : []), ...(opts.secret ? ["--secret"] : []), key, value];
    const r = await pulumi(args);
    if (r.code !== 0) {
        throw new Error(`pulumi config set ${key} failed: ${r.stderr}`);
    }
}

export async function outputs(): Promise<Record<string, unknown>> {
    const r = await pulumi(["stack", "output", "--json", "--show-secrets"]);
    if (r.code !== 0) {
        throw new Error(`pulumi stack output failed: ${r.stderr}`);
    }
    return JSON.parse(r.stdout);
}

/**
 * `config` as a program from before `app.scaleDownDelay` accepts it: such programs refuse unknown
 * keys, and their stacks never scale down, so the key is simply left out.
 */
export function forOlderProgram(config: Record<string, unknown>): Record<string, unknown> {
    const { scaleDownDelay: _, ...app } = config["switchyard:app"] as Record<string, unknown>;
    return { ...config, "switchyard:app": app };
}

/** The e2e stack's starting config: the local stack's, on its own port, with fast gates. */
export function baseConfig(): Record<string, unknown> {
    return {
        "switchyard:activeColor": "blue",
        "switchyard:colors": { blue: { version: "1.0.0" }, green: { version: "1.1.0" } },
        "switchyard:app": {
            image: "switchyard/demo-app",
            port: 8080,
            replicas: 2,
            resources: { cpus: 0.5, memoryMb: 128 },
            // Every check is an exec in the container (about 70 ms of CPU): at 2 s, two stacks' eight
            // app containers took a sixth of the machine. The gates probe on their own.
            healthcheck: { intervalSeconds: 5, timeoutSeconds: 2, retries: 5, startPeriodSeconds: 1 },
            // Longer than any file's run: only scaleDown.test.ts sees the idle colour scaled down.
            scaleDownDelay: "2h",
        },
        "switchyard:router": { image: "switchyard/router:local", port: PORT, bindAddress: "127.0.0.1" },
        "switchyard:gates": {
            healthPaths: ["/health", "/health/ready"],
            smokePaths: ["/"],
            retries: 20,
            intervalSeconds: 0.5,
            timeoutSeconds: 2,
        },
        "switchyard:canary": { weight: 0, header: { name: "X-Switchyard-Canary", value: "always" }, cookie: { name: "switchyard_canary" } },
    };
}

/**
 * Removes everything the e2e stack holds: its containers (named after the stack, whether state
 * knows them or not), its resources, the stack itself, and networks and volumes an interrupted
 * run left outside state. Every engine test file calls it after its last test, on failure too.
 */
export async function destroyStack(): Promise<void> {
    requireToolchain();
    const left = await run("docker", ["ps", "-aq", "--filter", `label=switchyard.stack=${STACK}`]);
    const ids = left.stdout.split("\n").filter(Boolean);
    if (ids.length > 0) {
        await run("docker", ["rm", "-f", ...ids]);
    }
    const exists = (await run("pulumi", ["stack", "ls", "--json"])).stdout.includes(`"name": "${STACK}"`);
    if (exists) {
        await pulumi(["cancel", "--yes"]);
        const d = await pulumi(["destroy", "--yes", "--skip-preview", "--suppress-progress", "--continue-on-error"]);
        if (d.code !== 0) {
            throw new Error(`could not destroy the ${STACK} stack:\n${d.stdout}\n${d.stderr}`);
        }
        const rm = await run("pulumi", ["stack", "rm", STACK, "--yes", "--force", "--non-interactive"]);
        if (rm.code !== 0) {
            throw new Error(`could not remove the ${STACK} stack: ${rm.stderr}`);
        }
    }
    for (const kind of ["network", "volume"]) {
        const l = await run("docker", [kind, "ls", "-q", "--filter", `label=switchyard.stack=${STACK}`]);
        const names = l.stdout.split("\n").filter(Boolean);
        if (names.length > 0) {
            await run("docker", [kind, "rm", ...names]);
        }
    }
    removeStackFile();
}

/** Starts every scenario from a known state: nothing of the e2e stack, then a new stack with `config`. */
export async function freshStack(config: Record<string, unknown> = baseConfig()): Promise<void> {
    await destroyStack();
    fs.writeFileSync(CONFIG_FILE, `${JSON.stringify({ config }, null, 2)}\n`);
    const init = await run("pulumi", ["stack", "init", STACK, "--non-interactive"]);
    if (init.code !== 0) {
        throw new Error(`pulumi stack init ${STACK} failed: ${init.stderr}`);
    }
}

/**
 * Puts an existing stack back to `config` without destroying it: the stack file's config is
 * replaced (its encryption salt kept) and one `up` applies the difference. Cheaper than
 * freshStack when a scenario only needs a known config, not new containers.
 */
export async function resetStack(
    config: Record<string, unknown> = baseConfig(),
    opts: { update?: boolean } = {},
): Promise<Run | undefined> {
    const file = parseYaml(fs.readFileSync(CONFIG_FILE, "utf8")) as Record<string, unknown>;
    fs.writeFileSync(CONFIG_FILE, `${JSON.stringify({ ...file, config }, null, 2)}\n`);
    return opts.update === false ? undefined : up();
}

/** The base config with both colours at the versions the stack runs now: a reset to it releases nothing. */
export async function baseConfigAtRunningVersions(): Promise<Record<string, unknown>> {
    const v = (await outputs()).versions as Record<string, string>;
    return { ...baseConfig(), "switchyard:colors": { blue: { version: v.blue }, green: { version: v.green } } };
}

export function removeStackFile(): void {
    fs.rmSync(CONFIG_FILE, { force: true });
}

export interface Reply {
    status: number;
    headers: http.IncomingHttpHeaders;
    body: string;
}

export function get(url: string, headers: Record<string, string> = {}): Promise<Reply> {
    return new Promise((resolve, reject) => {
        const req = http.get(url, { headers, agent: false, timeout: 10_000 }, (res) => {
            let body = "";
            res.setEncoding("utf8");
            res.on("data", (c) => (body += c));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        });
        req.on("timeout", () => req.destroy(new Error(`GET ${url} timed out`)));
        req.on("error", reject);
    });
}

export async function routerStatus(): Promise<{
    activeColor: string;
    weights: Record<string, number>;
    versions: Record<string, string>;
    configSha256: string;
}> {
    // The status document is served inside the router container only (router.status.public unset).
    const r = await run("docker", [
        "exec",
        `${STACK}-router`,
        "curl",
        "-fsS",
        "--max-time",
        "5",
        `http://${ROUTER_IMAGE_RUNTIME.listen}/_switchyard/status`,
    ]);
    if (r.code !== 0) {
        throw new Error(`router status failed (${r.code}): ${r.stderr}`);
    }
    return JSON.parse(r.stdout);
}

/** Counts which colour served `n` requests (from the app's own X-Switchyard-Color header). */
export async function colorCounts(
    n: number,
    headers: Record<string, string> = {},
    concurrency = 20,
    url = ROUTER_URL,
): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    let next = 0;
    const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
    const one = () =>
        new Promise<void>((resolve, reject) => {
            http.get(`${url}/`, { headers, agent }, (res) => {
                res.resume();
                res.on("end", () => {
                    const c = res.statusCode === 200 ? String(res.headers["x-switchyard-color"]) : `status-${res.statusCode}`;
                    counts[c] = (counts[c] ?? 0) + 1;
                    resolve();
                });
            }).on("error", reject);
        });
    await Promise.all(
        Array.from({ length: concurrency }, async () => {
            while (next < n) {
                next++;
                await one();
            }
        }),
    );
    agent.destroy();
    return counts;
}

export interface LoadResult {
    /** Requests autocannon was asked to send (batches of a fixed amount). */
    sent: number;
    requests: number;
    non2xx: number;
    errors: number;
    timeouts: number;
    /**
     * Sent but neither answered nor counted as an error: autocannon silently reconnects when a
     * server closes a keep-alive connection with a request in flight, so this is where dropped
     * requests show up.
     */
    lost: number;
    byColor: Record<string, number>;
    durationSeconds: number;
}

/** One autocannon run of exactly `amount` requests. */
function batch(
    amount: number,
    rate: number,
    connections: number,
    byColor: Record<string, number>,
    url: string,
): Promise<autocannon.Result> {
    return new Promise((resolve, reject) => {
        autocannon(
            {
                url,
                connections,
                overallRate: rate,
                amount,
                timeout: 10,
                requests: [
                    { method: "GET", path: "/" },
                    {
                        method: "POST",
                        path: "/",
                        headers: { "content-type": "application/json" },
                        body: JSON.stringify({ order: 42, items: ["a", "b"] }),
                    },
                ],
                // Count which colour answered, from the app's JSON body.
                setupClient: (client: { on(event: "body", cb: (body: Buffer) => void): void }) => {
                    client.on("body", (body: Buffer) => {
                        const text = body.toString("utf8");
                        const m = /"color":"(\w+)"/.exec(text);
                        // Any other answer is named by what it said (nginx's error page title, or its start),
                        // so a failure says which layer answered and how.
                        const other = /<title>([^<]*)<\/title>/.exec(text)?.[1] ?? text.slice(0, 60).replace(/\s+/g, " ");
                        const c = m ? m[1] : `other: ${other}`;
                        byColor[c] = (byColor[c] ?? 0) + 1;
                    });
                },
            } as autocannon.Options,
            (err, result) => (err ? reject(err) : resolve(result)),
        );
    });
}

/**
 * A keep-alive load (autocannon) mixing GET and POST at `rate` requests/s, in batches of a fixed
 * amount (10 s each) until `until` settles and at least `minRequests` were sent. Fixed amounts make
 * lost requests countable (sent - answered - errors).
 */
export async function load(opts: {
    rate: number;
    connections: number;
    minRequests: number;
    until: Promise<unknown>;
    /** @default - the stack's router on this machine (ROUTER_URL) */
    url?: string;
}): Promise<LoadResult> {
    const byColor: Record<string, number> = {};
    let done = false;
    opts.until.then(
        () => (done = true),
        () => (done = true),
    );
    const total: LoadResult = { sent: 0, requests: 0, non2xx: 0, errors: 0, timeouts: 0, lost: 0, byColor, durationSeconds: 0 };
    const amount = opts.rate * 10;
    while (!done || total.sent < opts.minRequests) {
        const r = await batch(amount, opts.rate, opts.connections, byColor, opts.url ?? ROUTER_URL);
        const answered = r["2xx"] + r.non2xx;
        total.sent += amount;
        total.requests += answered;
        total.non2xx += r.non2xx;
        total.errors += r.errors;
        total.timeouts += r.timeouts;
        total.lost += amount - answered - r.errors;
        total.durationSeconds += r.duration;
    }
    return total;
}

/** Waits until `check` passes or `ms` elapse. */
export async function eventually(check: () => Promise<boolean>, ms = 30_000, what = "condition"): Promise<void> {
    const until = Date.now() + ms;
    let last: unknown;
    while (Date.now() < until) {
        try {
            if (await check()) {
                return;
            }
        } catch (e) {
            last = e;
        }
        await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
}

/** Spawns `pulumi up` in the background, for interruption scenarios. */
export function spawnUp(): ReturnType<typeof spawn> {
    return spawn("pulumi", ["up", "--yes", "--skip-preview", "--suppress-progress", "--stack", STACK, "--non-interactive"], {
        cwd: ROOT,
        env: process.env,
        stdio: ["ignore", "pipe", "pipe"],
    });
}

/**
 * Kills the plugin processes a killed CLI left behind. Pulumi starts each plugin in a process group
 * of its own, so they outlive a SIGKILLed CLI as orphans (parent pid 1); no live CLI uses those.
 */
export async function reapOrphanedPlugins(): Promise<number> {
    const ps = await run("ps", ["-eo", "pid=,ppid=,args="]);
    let reaped = 0;
    for (const line of ps.stdout.split("\n")) {
        const m = /^\s*(\d+)\s+(\d+)\s+(\S+)/.exec(line);
        if (m && m[2] === "1" && /\/pulumi-(resource|language|analyzer)-[\w-]+$/.test(m[3])) {
            try {
                process.kill(Number(m[1]), "SIGKILL");
                reaped++;
            } catch {
                // Gone already.
            }
        }
    }
    return reaped;
}

/** Builds `ref` as a child of `from` with a label (and `env`, if any), so that it gets a new image id; returns that id. */
export async function buildChildImage(ref: string, from: string, rev: string, env: Record<string, string> = {}): Promise<string> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "switchyard-e2e-image-"));
    try {
        const envLines = Object.entries(env).map(([k, v]) => `ENV ${k}=${JSON.stringify(v)}\n`);
        fs.writeFileSync(path.join(dir, "Dockerfile"), `FROM ${from}\nLABEL io.switchyard.e2e-rev=${rev}\n${envLines.join("")}`);
        const b = await run("docker", ["build", "-q", "-t", ref, dir]);
        if (b.code !== 0) {
            throw new Error(`docker build of ${ref} failed: ${b.stderr}`);
        }
        return b.stdout.trim();
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** A line of figures for the report (collected into .switchyard/results/engine-figures.jsonl). */
export function report(scenario: string, figures: Record<string, unknown>): void {
    fs.mkdirSync(path.join(ROOT, ".switchyard/results"), { recursive: true });
    fs.appendFileSync(path.join(ROOT, ".switchyard/results/engine-figures.jsonl"), `${JSON.stringify({ scenario, ...figures })}\n`);
    process.stdout.write(`[figures] ${scenario}: ${JSON.stringify(figures)}\n`);
}

/**
 * Deploys the e2e stack, with its current config file, by the program as it was at `commit` (a git
 * worktree in `dir`, sharing node_modules): a stack as an older program left it. Undo with
 * removeProgramAt(dir).
 */
export async function upWithProgramAt(commit: string, dir: string): Promise<void> {
    const checkout = await run("git", ["-C", ROOT, "worktree", "add", "--detach", dir, commit]);
    if (checkout.code !== 0) {
        throw new Error(`git worktree add ${commit} failed: ${checkout.stderr}`);
    }
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"));
    fs.copyFileSync(CONFIG_FILE, path.join(dir, path.basename(CONFIG_FILE)));
    const r = await run("pulumi", [
        ...["up", "--yes", "--skip-preview", "--suppress-progress"],
        ...["--stack", STACK, "--non-interactive", "--cwd", dir],
    ]);
    if (r.code !== 0) {
        throw new Error(`pulumi up with the program at ${commit} failed (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
    }
}

export async function removeProgramAt(dir: string): Promise<void> {
    await run("git", ["-C", ROOT, "worktree", "remove", "--force", dir]);
    await run("git", ["-C", ROOT, "worktree", "prune"]);
}

/** Ids of the e2e stack's running containers, sorted. */
export async function stackContainerIds(): Promise<string[]> {
    const r = await run("docker", ["ps", "-q", "--no-trunc", "--filter", `label=switchyard.stack=${STACK}`]);
    return r.stdout.split("\n").filter(Boolean).sort();
}
