import fc from "fast-check";
import { parseStackConfig } from "./parse";

type Raw = Record<string, unknown>;

function valid(): Raw {
    return {
        activeColor: "blue",
        colors: { blue: { version: "v1.4.2" }, green: { version: "2.0.0-rc1" } },
        app: { image: "registry.example.com/team/app" },
    };
}

const SECRET = new Set(["secretEnv"]);

function parse(raw: Raw, secret: ReadonlySet<string> = SECRET) {
    return parseStackConfig("production", raw, secret);
}

function setPath(obj: Raw, path: string[], value: unknown): Raw {
    const copy: Raw = JSON.parse(JSON.stringify(obj));
    let cur: Raw = copy;
    for (const k of path.slice(0, -1)) {
        if (cur[k] === undefined || typeof cur[k] !== "object") {
            cur[k] = {};
        }
        cur = cur[k] as Raw;
    }
    cur[path[path.length - 1]] = value;
    return copy;
}

describe("valid configs", () => {
    test("the minimal config gets every documented default", () => {
        const r = parse(valid());
        if (!r.ok) throw new Error(r.errors.join("\n"));
        const c = r.config;
        expect(c.activeColor).toBe("blue");
        expect(c.colors.blue).toEqual({
            version: { raw: "v1.4.2", semver: "1.4.2" },
            image: "registry.example.com/team/app:1.4.2",
            env: {},
            roll: false,
        });
        expect(c.colors.green.image).toBe("registry.example.com/team/app:2.0.0-rc1");
        expect(c.canary).toEqual({ permille: 0, header: undefined, cookie: undefined, sticky: undefined });
        expect(c.app).toEqual({
            name: "app",
            image: "registry.example.com/team/app",
            tagPrefix: "",
            port: 8080,
            replicas: 2,
            idleReplicas: 1,
            env: {},
            healthcheck: { path: "/health", intervalSeconds: 5, timeoutSeconds: 3, retries: 5, startPeriodSeconds: 5 },
            resources: { cpus: 0.5, memoryMb: 256 },
            volumes: [],
        });
        expect(c.docker).toEqual({ host: "unix:///var/run/docker.sock", network: "production-app", insecure: false, excludeHosts: [] });
        expect(c.router).toEqual({
            image: "switchyard/router:1",
            port: 8080,
            bindAddress: "0.0.0.0",
            statusPath: "/_switchyard/status",
            status: { public: false },
            allowRestart: false,
            maintenance: { enabled: false, message: "Down for maintenance, back soon." },
            tag: "1",
        });
        expect(c.gates).toEqual({
            healthPaths: ["/health", "/health/ready"],
            smokePaths: ["/"],
            retries: 30,
            intervalSeconds: 10,
            timeoutSeconds: 3,
        });
        expect(c.secretEnvNames).toEqual([]);
    });

    test.each([
        ["weight 10", ["canary", "weight"], 10, (c: any) => c.canary.permille, 100],
        ["weight 0.1", ["canary", "weight"], 0.1, (c: any) => c.canary.permille, 1],
        ["weight as text, as `config set --path` stores it", ["canary", "weight"], "25.5", (c: any) => c.canary.permille, 255],
        ["weight 100", ["canary", "weight"], 100, (c: any) => c.canary.permille, 1000],
        ["tag prefix v", ["app", "tagPrefix"], "v", (c: any) => c.colors.blue.image, "registry.example.com/team/app:v1.4.2"],
        [
            "build metadata becomes _",
            ["colors", "blue", "version"],
            "1.4.2+sha.5",
            (c: any) => c.colors.blue.image,
            "registry.example.com/team/app:1.4.2_sha.5",
        ],
        [
            "ssh docker host",
            ["docker", "host"],
            "ssh://deploy@prod-1.example.com",
            (c: any) => c.docker.host,
            "ssh://deploy@prod-1.example.com",
        ],
        [
            "sticky defaults",
            ["canary", "sticky"],
            {},
            (c: any) => c.canary.sticky,
            { cookieName: "switchyard_bucket", maxAgeSeconds: 2592000 },
        ],
        ["sticky off", ["canary", "sticky"], { enabled: "false" }, (c: any) => c.canary.sticky, undefined],
        [
            "header defaults (no value: the program makes a random one)",
            ["canary", "header"],
            {},
            (c: any) => c.canary.header,
            { name: "X-Switchyard-Canary" },
        ],
        ["replicas as text", ["app", "replicas"], "3", (c: any) => c.app.replicas, 3],
        ["network override", ["docker", "network"], "web", (c: any) => c.docker.network, "web"],
    ])("%s", (_name, path, value, get, expected) => {
        const r = parse(setPath(valid(), path as string[], value));
        if (!r.ok) throw new Error(r.errors.join("\n"));
        expect(get(r.config)).toEqual(expected);
    });

    test("secret env: names are listed, values come back apart", () => {
        const r = parse({ ...valid(), secretEnv: { DB_PASSWORD: "s3cret", API_TOKEN: "t" } });
        if (!r.ok) throw new Error(r.errors.join("\n"));
        expect(r.config.secretEnvNames).toEqual(["API_TOKEN", "DB_PASSWORD"]);
        expect(r.secretEnv).toEqual({ DB_PASSWORD: "s3cret", API_TOKEN: "t" });
        expect(JSON.stringify(r.config)).not.toContain("s3cret");
    });
});

describe("invalid configs: one message per problem, naming key, value and what is allowed", () => {
    test.each([
        [["activeColor"], "red", /^switchyard:activeColor: must be 'blue' or 'green' \(got "red"\)$/],
        [
            ["colors", "green", "version"],
            "latest",
            /^switchyard:colors\.green\.version: 'latest' is a floating tag, not a release; set the semver version of the build, e\.g\. 1\.4\.2 \(got "latest"\)$/,
        ],
        [["colors", "green", "version"], "1.4", /^switchyard:colors\.green\.version: '1\.4' is not a semver version/],
        [["colors", "green", "version"], "^1.4.0", /^switchyard:colors\.green\.version: '\^1\.4\.0' is not a semver version/],
        [
            ["canary", "weight"],
            100.5,
            /^switchyard:canary\.weight: must be from 0 to 100 \(percent of traffic for the non-active colour\) \(got 100\.5\)$/,
        ],
        [["canary", "weight"], -1, /^switchyard:canary\.weight: must be from 0 to 100/],
        [
            ["canary", "weight"],
            10.05,
            /^switchyard:canary\.weight: must be a multiple of 0\.1 \(routing resolution is 0\.1%\) \(got 10\.05\)$/,
        ],
        [["canary", "weight"], "ten", /^switchyard:canary\.weight: must be a number from 0 to 100 \(got "ten"\)$/],
        [
            ["canary", "wieght"],
            10,
            /^switchyard:canary\.wieght: unknown key \(got 10\); allowed keys here: weight, header, cookie, sticky\./,
        ],
        [["app", "image"], "team/app:latest", /^switchyard:app\.image: must be an image repository without tag or digest/],
        [["app", "port"], 70000, /^switchyard:app\.port: must be 1\.\.65535 \(got 70000\)$/],
        [["app", "replicas"], 0, /^switchyard:app\.replicas: must be at least 1 per colour \(got 0\)$/],
        [["app", "env"], { "BAD-NAME": "x" }, /^switchyard:app\.env\.BAD-NAME: env names are/],
        [
            ["app", "healthcheck", "timeoutSeconds"],
            9,
            /^switchyard:app\.healthcheck\.timeoutSeconds: timeoutSeconds must not exceed intervalSeconds/,
        ],
        [["app", "resources", "memoryMb"], 8, /^switchyard:app\.resources\.memoryMb: must be at least 16 MB \(got 8\)$/],
        [
            ["app", "resources", "cpus"],
            0.05,
            /^switchyard:app\.resources\.cpus: the docker provider reads 0\.05 CPUs back as "0\.1", so every update would replace the containers; use a value such as 0\.1 \(got 0\.05\)$/,
        ],
        [
            ["docker", "host"],
            "http://example.com",
            /^switchyard:docker\.host: must be unix:\/\/\/path\/docker\.sock, ssh:\/\/user@host\[:port\] or tcp:\/\/host:port/,
        ],
        [["router", "image"], "switchyard/router", /^switchyard:router\.image: must be an image reference with an explicit tag/],
        [["router", "maintenance", "message"], "we're $down", /^switchyard:router\.maintenance\.message: must not contain quotes/],
        [["gates", "healthPaths"], [], /^switchyard:gates\.healthPaths: must list at least one health endpoint/],
        [["gates", "retries"], 0, /^switchyard:gates\.retries: must be at least 1 \(got 0\)$/],
        [
            ["activeColour"],
            "green",
            /^switchyard:activeColour: unknown key \(got "green"\); allowed keys here: activeColor, colors, canary, app, docker, router(, [a-zA-Z]+)*\. Remove it or fix the spelling/,
        ],
    ])("%j = %j", (path, value, message) => {
        const r = parse(setPath(valid(), path as string[], value));
        expect(r.ok).toBe(false);
        if (r.ok) return;
        expect(r.errors).toHaveLength(1);
        expect(r.errors[0]).toMatch(message);
    });

    test("missing required keys are named", () => {
        const r = parse({});
        expect(r.ok).toBe(false);
        if (r.ok) return;
        expect(r.errors).toEqual([
            "switchyard:activeColor: must be 'blue' or 'green' (got nothing (unset))",
            "switchyard:colors: must set colors.blue.version and colors.green.version (got nothing (unset))",
            "switchyard:app: Invalid input: expected object, received undefined (got nothing (unset))",
        ]);
    });

    test("a plain-text secret env is refused and its value is never echoed", () => {
        const r = parse({ ...valid(), secretEnv: { DB_PASSWORD: "hunter2" } }, new Set());
        expect(r.ok).toBe(false);
        if (r.ok) return;
        expect(r.errors.join("\n")).toMatch(
            /switchyard:secretEnv: is stored in plain text; .*pulumi config set --secret --path 'secretEnv\.NAME' VALUE/,
        );
        expect(r.errors.join("\n")).not.toContain("hunter2");
    });

    test("a name in both env and secretEnv is refused", () => {
        const r = parse(setPath({ ...valid(), secretEnv: { TOKEN: "x" } }, ["app", "env"], { TOKEN: "y" }));
        expect(r.ok).toBe(false);
        if (r.ok) return;
        expect(r.errors).toEqual([
            "switchyard:app.env.TOKEN: also set in secretEnv; keep one (the secret). Fix: pulumi config rm --path 'app.env.TOKEN'",
        ]);
    });
});

/**
 * Generated invalid configs: a valid config with one field broken in a way the schema must catch.
 * Every one must be rejected with a message that starts with the offending key.
 */
const breakers: { key: string; path: string[]; bad: fc.Arbitrary<unknown> }[] = [
    { key: "switchyard:activeColor", path: ["activeColor"], bad: fc.string().filter((s) => s !== "blue" && s !== "green") },
    {
        key: "switchyard:colors.blue.version",
        path: ["colors", "blue", "version"],
        bad: fc.oneof(fc.constantFrom("latest", "stable", "main", "1", "1.2", "v", "~1.2.3", "1.2.3.4", "x1.2.3"), fc.integer()),
    },
    {
        key: "switchyard:colors.green.version",
        path: ["colors", "green", "version"],
        bad: fc.oneof(fc.constantFrom("LATEST", "nightly", "01.2.3", "1.2.3-", ""), fc.boolean()),
    },
    {
        key: "switchyard:canary.weight",
        path: ["canary", "weight"],
        bad: fc.oneof(
            fc.double({ min: 100.01, max: 1e6, noNaN: true }),
            fc.double({ min: -1e6, max: -0.01, noNaN: true }),
            fc.integer({ min: 1, max: 999 }).map((n) => n / 10 + 0.05),
            fc.constant("lots"),
        ),
    },
    {
        key: "switchyard:canary.header.name",
        path: ["canary", "header", "name"],
        bad: fc.constantFrom("X Canary", "X:Canary", "", 'x"y', "a".repeat(65)),
    },
    { key: "switchyard:canary.cookie.name", path: ["canary", "cookie", "name"], bad: fc.constantFrom("my-cookie", "a b", "", "$x") },
    {
        key: "switchyard:app.image",
        path: ["app", "image"],
        bad: fc.constantFrom("App", "team/app:1.0", "team/app@sha256:abc", "", "team//app", "-app"),
    },
    {
        key: "switchyard:app.port",
        path: ["app", "port"],
        bad: fc.oneof(
            fc.integer({ min: 65536, max: 1e7 }),
            fc.integer({ min: -1e6, max: 0 }),
            fc.double({ min: 1.1, max: 100.9, noInteger: true }),
        ),
    },
    {
        key: "switchyard:app.replicas",
        path: ["app", "replicas"],
        bad: fc.oneof(fc.integer({ min: 21, max: 1000 }), fc.integer({ min: -100, max: 0 })),
    },
    {
        key: "switchyard:app.resources.cpus",
        path: ["app", "resources", "cpus"],
        bad: fc.oneof(fc.double({ min: -10, max: 0, noNaN: true }), fc.double({ min: 64.01, max: 1e4, noNaN: true })),
    },
    {
        key: "switchyard:app.resources.memoryMb",
        path: ["app", "resources", "memoryMb"],
        bad: fc.oneof(fc.integer({ min: -10, max: 15 }), fc.constant("1g")),
    },
    {
        key: "switchyard:app.healthcheck.path",
        path: ["app", "healthcheck", "path"],
        bad: fc.constantFrom("health", "", "/he alth", '/x"y'),
    },
    {
        key: "switchyard:app.healthcheck.retries",
        path: ["app", "healthcheck", "retries"],
        bad: fc.oneof(fc.integer({ min: 101, max: 1e5 }), fc.integer({ min: -5, max: 0 })),
    },
    {
        key: "switchyard:docker.host",
        path: ["docker", "host"],
        bad: fc.constantFrom("localhost", "ssh://host", "tcp://host", "unix:/sock", "http://x:1"),
    },
    {
        key: "switchyard:router.port",
        path: ["router", "port"],
        bad: fc.oneof(fc.integer({ min: 65536, max: 1e6 }), fc.integer({ min: -10, max: 0 })),
    },
    { key: "switchyard:router.bindAddress", path: ["router", "bindAddress"], bad: fc.constantFrom("localhost", "::1", "1.2.3", "") },
    {
        key: "switchyard:router.maintenance.message",
        path: ["router", "maintenance", "message"],
        bad: fc.oneof(
            fc.constantFrom("it's", "a;b", "{x}", "$host", 'a"b'),
            fc.string({ minLength: 201, maxLength: 300 }).map((s) => s.replace(/['"\\$;{}\u0000-\u001f\u007f]/g, "a")),
        ),
    },
    {
        key: "switchyard:gates.retries",
        path: ["gates", "retries"],
        bad: fc.oneof(fc.integer({ min: 1001, max: 1e6 }), fc.integer({ min: -10, max: 0 })),
    },
    {
        key: "switchyard:gates.intervalSeconds",
        path: ["gates", "intervalSeconds"],
        bad: fc.oneof(fc.double({ min: 300.1, max: 1e5, noNaN: true }), fc.double({ min: -10, max: 0.09, noNaN: true })),
    },
    { key: "switchyard:gates.smokePaths", path: ["gates", "smokePaths"], bad: fc.constantFrom("/", 5, { a: 1 }) },
];

test("at least 200 generated invalid configs are each rejected with a message naming the offending key", () => {
    let checked = 0;
    fc.assert(
        fc.property(
            fc.constantFrom(...breakers).chain((b) => b.bad.map((bad) => ({ b, bad }))),
            ({ b, bad }) => {
                const r = parse(setPath(valid(), b.path, bad));
                checked++;
                if (r.ok) {
                    throw new Error(`accepted ${b.key} = ${JSON.stringify(bad)}`);
                }
                const named = r.errors.filter((e) => e.startsWith(`${b.key}:`) || e.startsWith(`${b.key}.`) || e.startsWith(`${b.key}[`));
                if (named.length === 0) {
                    throw new Error(`no message names ${b.key} for ${JSON.stringify(bad)}: ${r.errors.join(" | ")}`);
                }
            },
        ),
        { numRuns: 400, seed: 2026 },
    );
    expect(checked).toBeGreaterThanOrEqual(400);
});

test("every accepted weight on the 0.1 grid maps to an integer permille", () => {
    fc.assert(
        fc.property(fc.integer({ min: 0, max: 1000 }), (p) => {
            const r = parse(setPath(valid(), ["canary", "weight"], p / 10));
            return r.ok && r.config.canary.permille === p;
        }),
        { numRuns: 300 },
    );
});

test("env values set as numbers or booleans (config set --path) become text; objects are refused", () => {
    const r = parse(
        setPath(setPath(valid(), ["app", "env"], { WORKERS: 4, DEBUG: false }), ["colors", "green", "env"], { FAIL_HEALTH: 1 }),
    );
    if (!r.ok) throw new Error(r.errors.join("\n"));
    expect(r.config.app.env).toEqual({ WORKERS: "4", DEBUG: "false" });
    expect(r.config.colors.green.env).toEqual({ FAIL_HEALTH: "1" });
    const bad = parse(setPath(valid(), ["app", "env"], { X: { nested: true } }));
    expect(bad.ok).toBe(false);
    if (!bad.ok)
        expect(bad.errors).toEqual(['switchyard:app.env.X: env values must be strings, numbers or booleans (got {"nested":true})']);
});

describe("app.idleReplicas and app.scaleDownDelay", () => {
    test.each<[string, Raw, { idleReplicas: number; delayMs: number }]>([
        ["unset: 1 replica after the watch (5m) and 5m more", valid(), { idleReplicas: 1, delayMs: 600_000 }],
        [
            "unset delay follows release.watch.duration",
            setPath(valid(), ["release", "watch", "duration"], "20m"),
            { idleReplicas: 1, delayMs: 1_500_000 },
        ],
        [
            "0 stops the idle colour; a delay as text",
            setPath(setPath(valid(), ["app", "idleReplicas"], "0"), ["app", "scaleDownDelay"], "1h"),
            { idleReplicas: 0, delayMs: 3_600_000 },
        ],
        [
            "a short delay with a shorter watch",
            setPath(setPath(valid(), ["app", "scaleDownDelay"], "20s"), ["release", "watch", "duration"], "10s"),
            { idleReplicas: 1, delayMs: 20_000 },
        ],
    ])("%s", (_, raw, want) => {
        const r = parse(raw);
        if (!r.ok) throw new Error(r.errors.join("\n"));
        expect(r.config.scaleDown).toEqual(want);
    });

    test.each<[string, Raw, string]>([
        [
            "more idle than serving replicas",
            setPath(setPath(valid(), ["app", "replicas"], 2), ["app", "idleReplicas"], 3),
            "switchyard:app.idleReplicas: is more than app.replicas (2): the idle colour cannot keep more containers than a serving one; set app.idleReplicas to at most 2 (1 keeps one warm, 0 stops the idle colour) (got 3)",
        ],
        [
            "a negative count",
            setPath(valid(), ["app", "idleReplicas"], -1),
            "switchyard:app.idleReplicas: must be at least 0 per colour (got -1)",
        ],
        [
            "not a duration",
            setPath(valid(), ["app", "scaleDownDelay"], "10"),
            'switchyard:app.scaleDownDelay: must be a duration such as 10m (ms, s, m, h) (got "10")',
        ],
        [
            "shorter than the stability watch",
            setPath(valid(), ["app", "scaleDownDelay"], "1m"),
            'switchyard:app.scaleDownDelay: is shorter than release.watch.duration (5m): the colour a release leaves must stay warm through the stability watch, so that a rollback during it only moves traffic; set app.scaleDownDelay to at least 5m or shorten release.watch.duration (got "1m")',
        ],
    ])("%s is refused, naming the key and the fix", (_, raw, message) => {
        const r = parse(raw);
        expect(r.ok ? [] : r.errors).toEqual([message]);
    });
});
