/**
 * Plausible mistakes in a stack config, each a patch of a valid base: every one is refused with a
 * message that names the key, and none echoes a secret or a credential.
 */
import { parseStackConfig } from "./parse";

type Raw = Record<string, unknown>;

const PEM_CERT = "-----BEGIN CERTIFICATE-----\nMIIBcert\n-----END CERTIFICATE-----";
const PEM_KEY = "-----BEGIN PRIVATE KEY-----\nMIIEkeymaterial\n-----END PRIVATE KEY-----";

function base(): Raw {
    return {
        activeColor: "blue",
        colors: { blue: { version: "1.4.2" }, green: { version: "1.5.0-rc.1" } },
        app: { image: "registry.example.com/team/shop", env: { LOG_LEVEL: "info" } },
        secretEnv: { DB_PASSWORD: "s3cret-db" },
        canary: { weight: 10, header: { name: "X-Canary", value: "always" } },
        docker: { host: "ssh://deploy@app1.example.com" },
        router: { port: 8080, bindAddress: "0.0.0.0" },
        gates: { healthPaths: ["/health"], smokePaths: ["/"] },
    };
}

/** `[dotted.path, value]` pairs; value `undefined` deletes the key. */
type Patch = [string, unknown][];

function apply(patch: Patch): Raw {
    const raw: Raw = JSON.parse(JSON.stringify(base()));
    for (const [path, value] of patch) {
        const keys = path.split(".");
        let cur = raw;
        for (const k of keys.slice(0, -1)) {
            if (cur[k] === undefined || typeof cur[k] !== "object") {
                cur[k] = {};
            }
            cur = cur[k] as Raw;
        }
        const last = keys[keys.length - 1];
        if (value === undefined) {
            delete cur[last];
        } else {
            cur[last] = value;
        }
    }
    return raw;
}

interface Mistake {
    /** Keys set with --secret. @default ["secretEnv"] */
    secret?: string[];
    /** Text that must appear in no message (a secret or credential of the patch). */
    hidden?: string[];
}

const BACKUP = { target: { type: "local", root: "/var/backups/shop" }, postgres: [{ name: "main" }] };

// [what, patch, the expected message (exact prefix or pattern, naming the key), options]
const MISTAKES: [string, Patch, string | RegExp, Mistake?][] = [
    // Typos of keys: the strict schema names the key and what is allowed.
    [
        "activeColour",
        [["activeColour", "green"]],
        /^switchyard:activeColour: unknown key \(got "green"\); allowed keys here: activeColor, /,
    ],
    [
        "colors.blue.verison",
        [["colors.blue.verison", "1.4.3"]],
        /^switchyard:colors\.blue\.verison: unknown key .*allowed keys here: version, env, roll, emergencyOverride\./,
    ],
    [
        "canary.wieght",
        [["canary.wieght", 20]],
        /^switchyard:canary\.wieght: unknown key \(got 20\); allowed keys here: weight, header, cookie, sticky/,
    ],
    [
        "app.replica",
        [["app.replica", 3]],
        /^switchyard:app\.replica: unknown key .*allowed keys here: name, image, tagPrefix, port, replicas/,
    ],
    ["app.enviroment", [["app.enviroment", { A: "b" }]], /^switchyard:app\.enviroment: unknown key/],
    [
        "app.healthcheck.url",
        [["app.healthcheck.url", "/health"]],
        /^switchyard:app\.healthcheck\.url: unknown key .*allowed keys here: path, /,
    ],
    ["router.bind", [["router.bind", "127.0.0.1"]], /^switchyard:router\.bind: unknown key .*bindAddress/],
    ["router.status_path", [["router.status_path", "/status"]], /^switchyard:router\.status_path: unknown key/],
    [
        "docker.hostname",
        [["docker.hostname", "ssh://deploy@h2"]],
        /^switchyard:docker\.hostname: unknown key .*allowed keys here: host, hosts, excludeHosts, network, insecure/,
    ],
    ["gates.healthPath", [["gates.healthPath", "/health"]], /^switchyard:gates\.healthPath: unknown key .*healthPaths/],
    ["monitoring.enable", [["monitoring.enable", true]], /^switchyard:monitoring\.enable: unknown key .*enabled/],
    [
        "secretEnvs (a typo of a secret key), plain",
        [["secretEnvs", { DB_PASSWORD: "hunter2-typo" }]],
        "switchyard:secretEnvs: unknown key (got a value that is not shown)",
        { hidden: ["hunter2-typo"] },
    ],
    [
        "secretenv set with --secret",
        [["secretenv", { API_TOKEN: "tok-hunter2" }]],
        "switchyard:secretenv: unknown key (got a value that is not shown)",
        { secret: ["secretEnv", "secretenv"], hidden: ["tok-hunter2"] },
    ],
    [
        "backupSecret (one letter short)",
        [["backupSecret", { main: "postgres://app:pw-hunter2@db/app" }]],
        "switchyard:backupSecret: unknown key (got a value that is not shown)",
        { hidden: ["pw-hunter2"] },
    ],
    [
        "an unknown key set with --secret",
        [["apiKey", "ak-hunter2"]],
        "switchyard:apiKey: unknown key (got a value that is not shown)",
        { secret: ["secretEnv", "apiKey"], hidden: ["ak-hunter2"] },
    ],
    [
        "grafanatoken typo",
        [["grafanatoken", "glsa_hunter2"]],
        "switchyard:grafanatoken: unknown key (got a value that is not shown)",
        { hidden: ["glsa_hunter2"] },
    ],
    // Wrong types.
    ["activeColor red", [["activeColor", "red"]], `switchyard:activeColor: must be 'blue' or 'green' (got "red")`],
    ["activeColor capitalised", [["activeColor", "Blue"]], `switchyard:activeColor: must be 'blue' or 'green' (got "Blue")`],
    ["colors as a list", [["colors", ["1.4.2", "1.5.0"]]], /^switchyard:colors: must set colors\.blue\.version and colors\.green\.version/],
    ["version as a number", [["colors.blue.version", 1.4]], /^switchyard:colors\.blue\.version: must be a semver release version/],
    ["app.env as a list", [["app.env", ["LOG_LEVEL=info"]]], /^switchyard:app\.env: /],
    ["env value an object", [["app.env.FLAGS", { a: 1 }]], /^switchyard:app\.env\.FLAGS: env values must be strings, numbers or booleans/],
    ["gates.healthPaths a string", [["gates.healthPaths", "/health"]], /^switchyard:gates\.healthPaths: /],
    ["sticky.enabled yes", [["canary.sticky.enabled", "yes"]], `switchyard:canary.sticky.enabled: must be true or false (got "yes")`],
    ["router.allowRestart 1", [["router.allowRestart", 1]], "switchyard:router.allowRestart: must be true or false (got 1)"],
    ["docker.insecure yes", [["docker.insecure", "yes"]], `switchyard:docker.insecure: must be true or false (got "yes")`],
    ["volumes as a map", [["app.volumes", { data: "/data" }]], /^switchyard:app\.volumes: /],
    // Out of range.
    [
        "weight 150",
        [["canary.weight", 150]],
        "switchyard:canary.weight: must be from 0 to 100 (percent of traffic for the non-active colour) (got 150)",
    ],
    ["weight as a percent string", [["canary.weight", "10%"]], `switchyard:canary.weight: must be a number from 0 to 100 (got "10%")`],
    [
        "weight 0.05",
        [["canary.weight", 0.05]],
        "switchyard:canary.weight: must be a multiple of 0.1 (routing resolution is 0.1%) (got 0.05)",
    ],
    ["replicas 0", [["app.replicas", 0]], "switchyard:app.replicas: must be at least 1 per colour (got 0)"],
    ["replicas 2.5", [["app.replicas", 2.5]], "switchyard:app.replicas: must be a whole number (got 2.5)"],
    ["app.port 0", [["app.port", 0]], "switchyard:app.port: must be 1..65535 (got 0)"],
    ["router.port 80800", [["router.port", 80800]], "switchyard:router.port: must be 1..65535 (got 80800)"],
    ["memoryMb 8", [["app.resources.memoryMb", 8]], "switchyard:app.resources.memoryMb: must be at least 16 MB (got 8)"],
    ["cpus 0", [["app.resources.cpus", 0]], "switchyard:app.resources.cpus: must be more than 0 (got 0)"],
    ["gates.retries 0", [["gates.retries", 0]], "switchyard:gates.retries: must be at least 1 (got 0)"],
    [
        "healthcheck timeout over interval",
        [["app.healthcheck", { intervalSeconds: 2, timeoutSeconds: 5 }]],
        /^switchyard:app\.healthcheck\.timeoutSeconds: timeoutSeconds must not exceed intervalSeconds/,
    ],
    ["sticky maxAge 10 s", [["canary.sticky.maxAgeSeconds", 10]], /^switchyard:canary\.sticky\.maxAgeSeconds: /],
    [
        "migration timeout 0",
        [
            ["backup", BACKUP],
            ["migration", { command: ["npm", "run", "migrate"], timeoutSeconds: 0 }],
        ],
        /^switchyard:migration\.timeoutSeconds: must be at least 1 s/,
        { secret: ["secretEnv", "backupSecrets"] },
    ],
    // Versions and images.
    ["floating tag", [["colors.green.version", "latest"]], /^switchyard:colors\.green\.version: 'latest' is a floating tag/],
    ["partial version", [["colors.green.version", "1.5"]], /^switchyard:colors\.green\.version: '1\.5' is not a semver version/],
    ["a range", [["colors.blue.version", "^1.4.0"]], /^switchyard:colors\.blue\.version: '\^1\.4\.0' is not a semver version/],
    [
        "a 200-character prerelease",
        [["colors.green.version", `1.5.0-${"rc".repeat(100)}`]],
        /^switchyard:colors\.green\.version: is 206 characters; at most 100 \(it becomes the image tag, which Docker limits to 128/,
    ],
    [
        "an image with a tag",
        [["app.image", "registry.example.com/team/shop:1.4.2"]],
        /^switchyard:app\.image: must be an image repository without tag or digest/,
    ],
    ["an image with upper case", [["app.image", "Team/Shop"]], /^switchyard:app\.image: must be an image repository without tag or digest/],
    [
        "a router image without tag",
        [["router.image", "switchyard/router"]],
        /^switchyard:router\.image: must be an image reference with an explicit tag/,
    ],
    ["a tag prefix with a slash", [["app.tagPrefix", "release/"]], /^switchyard:app\.tagPrefix: must be at most 20 of/],
    // Router and canary.
    [
        "statusPath /",
        [["router.statusPath", "/"]],
        /^switchyard:router\.statusPath: must not be \/ \(the router would answer every request itself/,
    ],
    [
        "statusPath with a space",
        [["router.statusPath", "/status page"]],
        /^switchyard:router\.statusPath: must be an absolute URL path of letters, digits and '_-.\/'/,
    ],
    [
        "statusPath with a quote",
        [["router.statusPath", `/st"atus`]],
        /^switchyard:router\.statusPath: must be an absolute URL path of letters/,
    ],
    [
        "statusPath with ;",
        [["router.statusPath", "/status;return"]],
        /^switchyard:router\.statusPath: must be an absolute URL path of letters/,
    ],
    ["statusPath with {", [["router.statusPath", "/status{"]], /^switchyard:router\.statusPath: must be an absolute URL path of letters/],
    [
        "statusPath with a query",
        [["router.statusPath", "/status?x=1"]],
        /^switchyard:router\.statusPath: must be an absolute URL path of letters/,
    ],
    ["statusPath relative", [["router.statusPath", "status"]], /^switchyard:router\.statusPath: must be an absolute URL path of letters/],
    [
        "statusPath = a health path",
        [["router.statusPath", "/health"]],
        /^switchyard:router\.statusPath: is also gates\.healthPaths\[0\], which the router would answer instead of the app/,
    ],
    [
        "statusPath = a smoke path",
        [
            ["gates.smokePaths", ["/", "/api/ping"]],
            ["router.statusPath", "/api/ping"],
        ],
        /^switchyard:router\.statusPath: is also gates\.smokePaths\[1\]/,
    ],
    [
        "canary cookie = sticky cookie",
        [
            ["canary.cookie.name", "bucket"],
            ["canary.sticky.cookieName", "bucket"],
        ],
        /^switchyard:canary\.cookie\.name: is also canary\.sticky\.cookieName; .*different names \(got "bucket"\)$/,
    ],
    [
        "canary cookie with a dash",
        [["canary.cookie.name", "my-cookie"]],
        /^switchyard:canary\.cookie\.name: must be letters, digits and '_'/,
    ],
    ["header name with a space", [["canary.header.name", "X Canary"]], /^switchyard:canary\.header\.name: must be an HTTP header name/],
    [
        "maintenance message with $",
        [["router.maintenance.message", "back at $time"]],
        /^switchyard:router\.maintenance\.message: must not contain quotes/,
    ],
    [
        "router bindAddress localhost",
        [["router.bindAddress", "localhost"]],
        `switchyard:router.bindAddress: must be an IPv4 address such as 127.0.0.1 or 0.0.0.0 (each part 0-255, no host names) (got "localhost")`,
    ],
    [
        "router bindAddress 999.0.0.1",
        [["router.bindAddress", "999.0.0.1"]],
        /^switchyard:router\.bindAddress: must be an IPv4 address .*\(got "999\.0\.0\.1"\)$/,
    ],
    [
        "router bindAddress with a port",
        [["router.bindAddress", "127.0.0.1:8080"]],
        /^switchyard:router\.bindAddress: must be an IPv4 address/,
    ],
    [
        "prometheus bindAddress a name",
        [["monitoring", { enabled: true, prometheus: { bindAddress: "prometheus.local" } }]],
        /^switchyard:monitoring\.prometheus\.bindAddress: must be an IPv4 address/,
    ],
    [
        "prometheus bindAddress 256.1.1.1",
        [["monitoring", { enabled: true, prometheus: { bindAddress: "256.1.1.1" } }]],
        /^switchyard:monitoring\.prometheus\.bindAddress: must be an IPv4 address/,
    ],
    // Volumes.
    [
        "a volume over /",
        [["app.volumes", [{ name: "shop-data", containerPath: "/" }]]],
        /^switchyard:app\.volumes\[0\]\.containerPath: must not be \/ \(a volume over the container's root/,
    ],
    [
        "a volume over /.",
        [["app.volumes", [{ name: "shop-data", containerPath: "/./" }]]],
        /^switchyard:app\.volumes\[0\]\.containerPath: must not be \//,
    ],
    [
        "a volume path with ..",
        [["app.volumes", [{ name: "shop-data", containerPath: "/data/../etc" }]]],
        /^switchyard:app\.volumes\[0\]\.containerPath: must not contain '\.\.'/,
    ],
    [
        "a relative volume path",
        [["app.volumes", [{ name: "shop-data", containerPath: "data" }]]],
        /^switchyard:app\.volumes\[0\]\.containerPath: must be an absolute path/,
    ],
    [
        "two volumes on one path",
        [
            [
                "app.volumes",
                [
                    { name: "a", containerPath: "/data" },
                    { name: "b", containerPath: "/data/" },
                ],
            ],
        ],
        /^switchyard:app\.volumes\[1\]\.containerPath: is mounted twice/,
    ],
    [
        "the router's config volume",
        [["app.volumes", [{ name: "production-router-config", containerPath: "/data" }]]],
        /^switchyard:app\.volumes\[0\]\.name: "production-router-config" is a volume switchyard manages/,
    ],
    [
        "Prometheus' data volume",
        [["app.volumes", [{ name: "production-prometheus-data", containerPath: "/data" }]]],
        /^switchyard:app\.volumes\[0\]\.name: .* is a volume switchyard manages/,
    ],
    // Credentials in plain config.
    [
        "a database URL in app.env",
        [["app.env.DATABASE_URL", "postgres://app:pw-hunter2@db/app"]],
        /^switchyard:app\.env\.DATABASE_URL: looks like a credential \(a URL with user:password@\) .*Fix: pulumi config rm --path 'app\.env\.DATABASE_URL', then pulumi config set --secret --path 'secretEnv\.DATABASE_URL' VALUE/,
        { hidden: ["pw-hunter2"] },
    ],
    [
        "a password pair in colour env",
        [["colors.green.env.DSN", "host=db user=app password=pw-hunter2"]],
        /^switchyard:colors\.green\.env\.DSN: looks like a credential \(a password=\.\.\. pair\).*secretEnv\.DSN/,
        { hidden: ["pw-hunter2"] },
    ],
    [
        "PGPASSWORD= in app.env",
        [["app.env.PGOPTS", "PGPASSWORD=pw-hunter2"]],
        /^switchyard:app\.env\.PGOPTS: looks like a credential/,
        { hidden: ["pw-hunter2"] },
    ],
    [
        "an ssh password in docker.host",
        [["docker.host", "ssh://deploy:pw-hunter2@app1.example.com"]],
        /^switchyard:docker\.host: looks like a credential .*use an SSH key/,
        { hidden: ["pw-hunter2"] },
    ],
    [
        "a tcp host with user:password",
        [["docker.host", "tcp://admin:pw-hunter2@10.0.0.5:2376"]],
        /^switchyard:docker\.host: looks like a credential/,
        { hidden: ["pw-hunter2"] },
    ],
    [
        "a password argument in migration.command",
        [
            ["backup", BACKUP],
            ["migration", { command: ["migrate", "--password", "pw-hunter2"] }],
        ],
        /^switchyard:migration\.command\[2\]: looks like a credential \(a password argument\).*refer to it as \$NAME/,
        { secret: ["secretEnv", "backupSecrets"], hidden: ["pw-hunter2"] },
    ],
    [
        "a database URL in migration.command",
        [
            ["backup", BACKUP],
            ["migration", { command: ["migrate", "-database", "postgres://app:pw-hunter2@db/app", "up"] }],
        ],
        /^switchyard:migration\.command\[2\]: looks like a credential/,
        { secret: ["secretEnv", "backupSecrets"], hidden: ["pw-hunter2"] },
    ],
    [
        "curl -u user:pass in migration.command",
        [
            ["backup", BACKUP],
            ["migration", { command: ["sh", "-c", "curl -fsS -u admin:pw-hunter2 http://hooks/pre-migrate && migrate up"] }],
        ],
        /^switchyard:migration\.command\[2\]: looks like a credential \(a password in a command-line option such as curl -u user:pass or mysql -pPASS\).*refer to it as \$NAME/,
        { secret: ["secretEnv", "backupSecrets"], hidden: ["pw-hunter2"] },
    ],
    [
        "curl -u user:pass as argv items",
        [
            ["backup", BACKUP],
            ["migration", { command: ["curl", "-u", "admin:pw-hunter2", "http://hooks/migrate"] }],
        ],
        /^switchyard:migration\.command\[2\]: looks like a credential \(a password in a command-line option/,
        { secret: ["secretEnv", "backupSecrets"], hidden: ["pw-hunter2"] },
    ],
    [
        "mysql -pPASS in migration.command",
        [
            ["backup", BACKUP],
            ["migration", { command: ["mysql", "-h", "db", "-u", "root", "-ppw-hunter2", "shop"] }],
        ],
        /^switchyard:migration\.command\[5\]: looks like a credential \(a password in a command-line option/,
        { secret: ["secretEnv", "backupSecrets"], hidden: ["pw-hunter2"] },
    ],
    [
        "mysql --password=PASS in migration.command",
        [
            ["backup", BACKUP],
            ["migration", { command: ["sh", "-c", "mysql --password=pw-hunter2 shop < /m/001.sql"] }],
        ],
        /^switchyard:migration\.command\[2\]: looks like a credential \(a password=\.\.\. pair\)/,
        { secret: ["secretEnv", "backupSecrets"], hidden: ["pw-hunter2"] },
    ],
    [
        "mysql -pPASS in a plain env string",
        [["app.env.SEED_CMD", "mysql -uroot -ppw-hunter2 shop"]],
        /^switchyard:app\.env\.SEED_CMD: looks like a credential \(a password in a command-line option.*secretEnv\.SEED_CMD/,
        { hidden: ["pw-hunter2"] },
    ],
    [
        "credentials in the S3 endpoint",
        [["backup", { ...BACKUP, target: { type: "s3", bucket: "shop-backups", endpoint: "http://minio:pw-hunter2@minio:9000" } }]],
        /^switchyard:backup\.target\.endpoint: looks like a credential.*backupSecrets/,
        { hidden: ["pw-hunter2"] },
    ],
    [
        "credentials in the Grafana URL",
        [["monitoring", { enabled: true, grafana: { push: { url: "https://admin:pw-hunter2@grafana.example.com" } } }]],
        /^switchyard:monitoring\.grafana\.push\.url: looks like a credential.*grafanaToken/,
        { hidden: ["pw-hunter2"] },
    ],
    [
        "a plain secretEnv",
        [["secretEnv", { DB_PASSWORD: "pw-hunter2" }]],
        /^switchyard:secretEnv: is stored in plain text/,
        { secret: [], hidden: ["pw-hunter2"] },
    ],
    // Docker over tcp.
    [
        "tcp without TLS",
        [["docker.host", "tcp://10.0.0.5:2375"]],
        /^switchyard:docker\.host: tcp:\/\/10\.0\.0\.5:2375 has no TLS; a Docker daemon on plain tcp gives root/,
    ],
    [
        "TLS for a unix socket",
        [
            ["docker.host", "unix:///var/run/docker.sock"],
            ["dockerTls", { cert: PEM_CERT, key: PEM_KEY }],
        ],
        /^switchyard:dockerTls: applies to tcp:\/\/ hosts only/,
        { secret: ["secretEnv", "dockerTls"], hidden: ["keymaterial"] },
    ],
    [
        "TLS in plain text",
        [
            ["docker.host", "tcp://10.0.0.5:2376"],
            ["dockerTls", { cert: PEM_CERT, key: PEM_KEY }],
        ],
        /^switchyard:dockerTls: is stored in plain text/,
        { hidden: ["keymaterial"] },
    ],
    [
        "TLS key not PEM",
        [
            ["docker.host", "tcp://10.0.0.5:2376"],
            ["dockerTls", { cert: PEM_CERT, key: "key-hunter2" }],
        ],
        /^switchyard:dockerTls\.key: must be the client private key as PEM text/,
        { secret: ["secretEnv", "dockerTls"], hidden: ["key-hunter2"] },
    ],
    ["insecure for ssh", [["docker.insecure", true]], /^switchyard:docker\.insecure: allows plain tcp:\/\/ only/],
    [
        "tcp without a port",
        [["docker.host", "tcp://10.0.0.5"]],
        /^switchyard:docker\.host: must be unix:\/\/\/path\/docker\.sock, ssh:\/\/user@host\[:port\] or tcp:\/\/host:port/,
    ],
    ["an http docker host", [["docker.host", "http://10.0.0.5:2375"]], /^switchyard:docker\.host: must be unix:\/\/\//],
    // Values set with --secret never appear in a message, whichever check writes it.
    [
        "a secret docker host without TLS",
        [["docker.host", "tcp://db-hunter2.internal:2375"]],
        /^switchyard:docker\.host: \[secret\] has no TLS/,
        { secret: ["secretEnv", "docker"], hidden: ["db-hunter2"] },
    ],
    [
        "a secret canary header value that is too long",
        [["canary.header", { name: "X-Canary", value: "tok-hunter2-".repeat(30) }]],
        /^switchyard:canary\.header\.value: /,
        { secret: ["secretEnv", "canary"], hidden: ["tok-hunter2"] },
    ],
    // Missing and cross-key.
    ["no app.image", [["app.image", undefined]], /^switchyard:app\.image: must be an image repository/],
    ["no green version", [["colors.green", undefined]], /^switchyard:colors\.green: /],
    ["migration without backup", [["migration", { command: ["npm", "run", "migrate"] }]], /^switchyard:migration: needs switchyard:backup/],
    ["a name in env and secretEnv", [["app.env.DB_PASSWORD", "x"]], /^switchyard:app\.env\.DB_PASSWORD: also set in secretEnv; keep one/],
    [
        "a short override reason",
        [["deploymentWindow.override.reason", "urgent"]],
        /^switchyard:deploymentWindow\.override\.reason: must say why in at least 8 characters/,
    ],
];

test("at least 60 mistakes are listed", () => {
    expect(MISTAKES.length).toBeGreaterThanOrEqual(60);
});

test.each(MISTAKES)("%s is refused, naming the key", (_what, patch, expected, opts = {}) => {
    const r = parseStackConfig("production", apply(patch), new Set(opts.secret ?? ["secretEnv"]));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const match = (e: string) => (typeof expected === "string" ? e.startsWith(expected) : expected.test(e));
    if (!r.errors.some(match)) {
        throw new Error(`no message matches ${String(expected)}; got:\n${r.errors.join("\n")}`);
    }
    for (const secret of opts.hidden ?? []) {
        for (const e of r.errors) {
            expect(e).not.toContain(secret);
        }
    }
    // Every message names its key.
    for (const e of r.errors) {
        expect(e).toMatch(/^switchyard:[A-Za-z]/);
    }
});

test("the base config is valid", () => {
    const r = parseStackConfig("production", base(), new Set(["secretEnv"]));
    expect(r.ok ? [] : r.errors).toEqual([]);
});
