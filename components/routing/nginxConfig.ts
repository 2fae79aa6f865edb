import { createHash } from "crypto";
import { Color, COLORS, otherColor } from "../../domain/color";
import { ROUTER_IMAGE, RouterRuntime } from "../../domain/routerImage";
import { percent, PERMILLE, sharesFor, splitPoolWeights } from "../../domain/weights";

/** One app container the router can send requests to. */
export interface UpstreamTarget {
    /** Docker container name (for logs and the status endpoint). */
    readonly name: string;
    /** IPv4 address on the app network. Addresses, not names: nginx resolves names only at load. */
    readonly address: string;
    readonly port: number;
}

/** Everything the routing config depends on: a pure value, rendered deterministically. */
export interface RouterSpec {
    readonly stack: string;
    readonly activeColor: Color;
    /** Share of traffic sent to the non-active (canary) colour, in permille (0..1000). */
    readonly canaryPermille: number;
    readonly versions: Readonly<Record<Color, string>>;
    readonly upstreams: Readonly<Record<Color, readonly UpstreamTarget[]>>;
    /** A request carrying this header with this value always goes to the canary colour. */
    readonly header?: { readonly name: string; readonly value: string };
    /** A cookie whose value `always`/`never` sends the client to / keeps it off the canary. */
    readonly cookie?: { readonly name: string };
    /** Sticky users: a bucket cookie (000..999) fixes each client's place in the split. */
    readonly sticky?: { readonly cookieName: string; readonly maxAgeSeconds: number };
    /** When set, every request but the status endpoint answers 503 with this message. */
    readonly maintenanceMessage?: string;
    readonly statusPath: string;
    /**
     * Whether the status document (versions, container names) is served to everyone. Otherwise it
     * is served on the internal listener only (requests from inside the router container) and the
     * public one answers the path with a bare liveness reply. @default false
     */
    readonly statusPublic?: boolean;
    /** Where the rendered file lives and writes: differs between the router image and tests. */
    readonly runtime: RouterRuntime;
}

export const SHA_PLACEHOLDER = "@@CONFIG_SHA256@@";
/** What the public listener answers on the status path when the document is internal. */
export const PUBLIC_STATUS = { ok: true, detail: "internal listener only (router.status.public)" } as const;
const SHA_IN_STATUS = /"configSha256":"[0-9a-f]{64}"/;

export interface RenderedRouterConfig {
    readonly text: string;
    /** sha256 of the text with the status line's own sha replaced by the placeholder. */
    readonly sha256: string;
}

function sha256(text: string): string {
    return createHash("sha256").update(text, "utf8").digest("hex");
}

/**
 * Recomputes the config sha of a rendered (or live, read back from the router) config text.
 * Returns undefined if the text carries no switchyard status sha.
 */
export function configShaOf(text: string): string | undefined {
    if (!SHA_IN_STATUS.test(text)) {
        return undefined;
    }
    return sha256(text.replace(SHA_IN_STATUS, `"configSha256":"${SHA_PLACEHOLDER}"`));
}

/** Characters that cannot appear in values this renderer puts inside nginx quoted strings. */
const NGINX_UNSAFE = /['"\\$;{}\r\n\t\u0000-\u001f\u007f]/;

function assertSafe(what: string, value: string): void {
    if (NGINX_UNSAFE.test(value)) {
        throw new Error(`${what} '${value}' contains a character nginx cannot hold safely (quotes, \\, $, ;, braces, control characters)`);
    }
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const TOKEN = /^[A-Za-z0-9_]+$/;
const HEADER = /^[A-Za-z0-9-]+$/;

function validate(spec: RouterSpec): void {
    if (!Number.isInteger(spec.canaryPermille) || spec.canaryPermille < 0 || spec.canaryPermille > PERMILLE) {
        throw new RangeError(`canaryPermille ${spec.canaryPermille} is outside 0..${PERMILLE}`);
    }
    for (const c of COLORS) {
        // Only the idle colour may have none (scaled to app.idleReplicas 0), and then no share.
        if (spec.upstreams[c].length === 0 && (c === spec.activeColor || spec.canaryPermille > 0)) {
            throw new Error(
                `colour ${c} has no upstream container${c === spec.activeColor ? "" : ` but a canary share of ${spec.canaryPermille} permille`}`,
            );
        }
        for (const u of spec.upstreams[c]) {
            if (!IPV4.test(u.address)) {
                throw new Error(`upstream ${u.name} of ${c} has address '${u.address}', expected an IPv4 address`);
            }
            if (!Number.isInteger(u.port) || u.port < 1 || u.port > 65535) {
                throw new Error(`upstream ${u.name} of ${c} has port ${u.port}, expected 1..65535`);
            }
            assertSafe(`upstream name of ${c}`, u.name);
        }
        assertSafe(`version of ${c}`, spec.versions[c]);
    }
    assertSafe("stack", spec.stack);
    if (spec.header) {
        if (!HEADER.test(spec.header.name)) {
            throw new Error(`canary header name '${spec.header.name}' must be letters, digits and '-'`);
        }
        assertSafe("canary header value", spec.header.value);
    }
    if (spec.cookie && !TOKEN.test(spec.cookie.name)) {
        throw new Error(`canary cookie name '${spec.cookie.name}' must be letters, digits and '_'`);
    }
    if (spec.sticky && !TOKEN.test(spec.sticky.cookieName)) {
        throw new Error(`sticky cookie name '${spec.sticky.cookieName}' must be letters, digits and '_'`);
    }
    if (spec.maintenanceMessage !== undefined) {
        assertSafe("maintenance message", spec.maintenanceMessage);
    }
    if (spec.runtime.socket !== undefined && !/^\/[A-Za-z0-9_\-/.]+$/.test(spec.runtime.socket)) {
        throw new Error(`inner socket '${spec.runtime.socket}' must be an absolute path of letters, digits, '_-./'`);
    }
    if (spec.runtime.accessLogFlush !== undefined && !/^[1-9]\d*(ms|s|m)?$/.test(spec.runtime.accessLogFlush)) {
        throw new Error(`access log flush interval '${spec.runtime.accessLogFlush}' must be an nginx time such as 1s or 500ms`);
    }
    if (!/^\/[A-Za-z0-9_\-/.]*$/.test(spec.statusPath)) {
        throw new Error(`status path '${spec.statusPath}' must be an absolute path of letters, digits, '_-./'`);
    }
}

function escapeRegex(s: string): string {
    return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** `000`..`999`: a sticky client's fixed place in the split. */
function bucket(i: number): string {
    return String(i).padStart(3, "0");
}

/** The status document the router serves; its sha is filled in after hashing. */
export interface RouterStatus {
    readonly stack: string;
    readonly activeColor: Color;
    readonly weights: Record<Color, number>;
    readonly versions: Record<Color, string>;
    readonly upstreams: Record<Color, string[]>;
    readonly maintenance: boolean;
    readonly configSha256: string;
}

/**
 * Renders the inner nginx config of the router: a complete nginx.conf. Deterministic: the same
 * spec gives the same bytes. Routing precedence: header > cookie (always/never) > sticky bucket >
 * weighted split (smooth weighted round-robin, exact to 0.1%).
 */
export function renderRouterConfig(spec: RouterSpec): RenderedRouterConfig {
    validate(spec);
    const active = spec.activeColor;
    const canary = otherColor(active);
    const shares = sharesFor(active, spec.canaryPermille);
    const rt = spec.runtime;
    const L: string[] = [];
    const line = (s = "") => L.push(s);

    line("# switchyard router: inner nginx config, rendered by `pulumi up`. Do not edit by hand:");
    line("# the drift check compares this file's sha with the sha in Pulumi state.");
    line(`# stack=${spec.stack} active=${active} ${COLORS.map((c) => `${c}=${percent(shares[c]).toFixed(1)}%`).join(" ")}`);
    line(`worker_processes ${rt.workerProcesses};`);
    // Old workers finish long requests after a reload, but not forever (the front waits 60 s too).
    line("worker_shutdown_timeout 60s;");
    line(`pid ${rt.pidFile};`);
    line(`error_log ${rt.errorLog} warn;`);
    line("events { worker_connections 4096; }");
    line("http {");
    line("    server_tokens off;");
    line("    keepalive_timeout 65s;");
    line("    keepalive_requests 100000;");
    // Bodies up to 128 KiB (the bench's 64 KiB POSTs) stay in memory instead of a temp file.
    line("    client_body_buffer_size 128k;");
    line(`    client_body_temp_path ${rt.tempDir}/client_body;`);
    line(`    proxy_temp_path ${rt.tempDir}/proxy;`);
    line(`    fastcgi_temp_path ${rt.tempDir}/fastcgi;`);
    line(`    uwsgi_temp_path ${rt.tempDir}/uwsgi;`);
    line(`    scgi_temp_path ${rt.tempDir}/scgi;`);
    line('    log_format switchyard escape=json \'{"time":"$time_iso8601","color":"$sy_color","role":"$sy_role",\'');
    line('        \'"status":$status,"method":"$request_method","request_time":$request_time,\'');
    line('        \'"upstream_response_time":"$upstream_response_time","upstream_addr":"$upstream_addr","bytes":$bytes_sent}\';');
    // Buffered: one write per flush instead of one per request (the exporter reads it that much later).
    line(`    access_log ${rt.accessLog} switchyard${rt.accessLogFlush ? ` buffer=64k flush=${rt.accessLogFlush}` : ""};`);
    line();

    // One pool per colour (header/cookie/sticky routing) and the weighted split pool. The canary
    // colour's pool has the stable colour's containers as backup servers: a request its own
    // containers cannot take (refused, reset, timed out) goes to the stable colour last. A canary
    // colour with no container (scaled to 0) has only the stable ones: forced requests go there.
    for (const c of COLORS) {
        line(`    upstream sy_${c} {`);
        for (const u of spec.upstreams[c]) {
            line(`        server ${u.address}:${u.port}; # ${u.name}`);
        }
        if (c === canary) {
            const backup = spec.upstreams[c].length === 0 ? "" : " backup";
            for (const u of spec.upstreams[active]) {
                line(`        server ${u.address}:${u.port}${backup}; # ${active} ${u.name}`);
            }
        }
        line("        keepalive 32;");
        line("    }");
    }
    const pool = splitPoolWeights(shares, {
        blue: spec.upstreams.blue.length,
        green: spec.upstreams.green.length,
    });
    line("    upstream sy_split {");
    for (const s of pool) {
        const u = spec.upstreams[s.color][s.replica];
        line(`        server ${u.address}:${u.port} weight=${s.weight}; # ${s.color} ${u.name}`);
    }
    line("        keepalive 32;");
    line("    }");
    line();

    // Which colour served the request, from the address nginx used last (for logs and a header).
    line("    map $upstream_addr $sy_color {");
    line('        default "none";');
    for (const c of COLORS) {
        for (const u of spec.upstreams[c]) {
            line(`        "~(^|\\s)${escapeRegex(`${u.address}:${u.port}`)}$" ${c};`);
        }
    }
    line("    }");

    // Base role: sticky bucket, or the weighted split.
    if (spec.sticky) {
        const ck = spec.sticky.cookieName;
        line('    split_clients "${request_id}" $sy_new_bucket {');
        for (let i = 0; i < PERMILLE - 1; i++) {
            line(`        0.1% "${bucket(i)}";`);
        }
        line(`        * "${bucket(PERMILLE - 1)}";`);
        line("    }");
        line(`    map $cookie_${ck} $sy_bucket {`);
        line(`        "~^[0-9]{3}$" $cookie_${ck};`);
        line("        default $sy_new_bucket;");
        line("    }");
        line(`    map $cookie_${ck} $sy_bucket_cookie {`);
        line('        "~^[0-9]{3}$" "";');
        line(`        default "${ck}=$sy_new_bucket; Path=/; Max-Age=${spec.sticky.maxAgeSeconds}; HttpOnly; SameSite=Lax";`);
        line("    }");
        line("    map $sy_bucket $sy_base_role {");
        line("        default stable;");
        for (let i = 0; i < spec.canaryPermille; i++) {
            line(`        "${bucket(i)}" canary;`);
        }
        line("    }");
    } else {
        const base = spec.canaryPermille === 0 ? "stable" : spec.canaryPermille === PERMILLE ? "canary" : "split";
        line("    map $host $sy_base_role {");
        line(`        default ${base};`);
        line("    }");
    }
    if (spec.cookie) {
        line(`    map $cookie_${spec.cookie.name} $sy_cookie_role {`);
        line("        always canary;");
        line("        never stable;");
        line("        default $sy_base_role;");
        line("    }");
    } else {
        line("    map $host $sy_cookie_role {");
        line("        default $sy_base_role;");
        line("    }");
    }
    if (spec.header) {
        const v = spec.header.name.toLowerCase().replace(/-/g, "_");
        line(`    map $http_${v} $sy_role {`);
        line(`        "${spec.header.value}" canary;`);
        line("        default $sy_cookie_role;");
        line("    }");
    } else {
        line("    map $host $sy_role {");
        line("        default $sy_cookie_role;");
        line("    }");
    }
    line("    map $sy_role $sy_pool {");
    line(`        canary sy_${canary};`);
    line(`        stable sy_${active};`);
    line("        default sy_split;");
    line("    }");
    line();

    const status = {
        stack: spec.stack,
        activeColor: active,
        weights: { blue: percent(shares.blue), green: percent(shares.green) },
        versions: { blue: spec.versions.blue, green: spec.versions.green },
        upstreams: {
            blue: spec.upstreams.blue.map((u) => u.name),
            green: spec.upstreams.green.map((u) => u.name),
        },
        maintenance: spec.maintenanceMessage !== undefined,
        configSha256: SHA_PLACEHOLDER,
    };
    if (!spec.statusPublic) {
        // Only the front nginx sets this header: without it, the request came from inside the container.
        line(`    map $http_${ROUTER_IMAGE.proxiedHeader.toLowerCase().replace(/-/g, "_")} $sy_status_internal {`);
        line('        "" 1;');
        line("        default 0;");
        line("    }");
        line();
    }
    line("    server {");
    line(`        listen ${rt.listen} default_server;`);
    if (rt.socket) {
        line(`        listen unix:${rt.socket};`);
    }
    line(`        location = ${spec.statusPath} {`);
    line("            default_type application/json;");
    line('            add_header Cache-Control "no-store" always;');
    if (!spec.statusPublic) {
        // From outside: liveness only (the container healthcheck), no versions or container names.
        line("            if ($sy_status_internal = 0) {");
        line(`                return 200 '${JSON.stringify(PUBLIC_STATUS)}\\n';`);
        line("            }");
    }
    line(`            return 200 '${JSON.stringify(status)}\\n';`);
    line("        }");
    line("        location / {");
    if (spec.maintenanceMessage !== undefined) {
        line("            default_type text/plain;");
        line("            add_header Retry-After 60 always;");
        line("            add_header X-Switchyard-Maintenance on always;");
        line(`            return 503 "${spec.maintenanceMessage}\\n";`);
    } else {
        line("            proxy_http_version 1.1;");
        line('            proxy_set_header Connection "";');
        line("            proxy_set_header Host $host;");
        line("            proxy_set_header X-Forwarded-For $http_x_forwarded_for;");
        line("            proxy_set_header X-Forwarded-Proto $http_x_forwarded_proto;");
        line("            proxy_set_header X-Real-IP $http_x_real_ip;");
        line("            proxy_connect_timeout 2s;");
        // Passive failover (docs/decisions.md "Passive failover"): a request is passed to the next
        // server only on a connection error or timeout, never on an HTTP answer; nginx never replays
        // POST, PATCH or LOCK once any of it was sent (no non_idempotent). Three tries: another
        // container of the colour, then the stable colour (backup servers of the canary pool).
        line("            proxy_next_upstream error timeout;");
        line("            proxy_next_upstream_tries 3;");
        line("            proxy_next_upstream_timeout 10s;");
        line("            add_header X-Switchyard-Upstream-Color $sy_color always;");
        if (spec.sticky) {
            line("            add_header Set-Cookie $sy_bucket_cookie always;");
        }
        line("            proxy_pass http://$sy_pool;");
    }
    line("        }");
    line("    }");
    line("}");

    const withPlaceholder = L.join("\n") + "\n";
    const sha = sha256(withPlaceholder);
    return { text: withPlaceholder.replace(SHA_PLACEHOLDER, sha), sha256: sha };
}
