/**
 * The contract between the program and the switchyard router image (images/router): where the
 * front nginx listens, where the routing config lives, the command that applies a new one, the
 * runtime paths a rendered inner config must use, and the files and port of the router exporter.
 */
const CONFIG_DIR = "/etc/switchyard/router";

export const ROUTER_IMAGE = {
    /** Port of the front nginx inside the container (published on the host). */
    frontPort: 80,
    /** Directory of the inner (routing) config; a named volume so it outlives the container. */
    configDir: CONFIG_DIR,
    /** The inner (routing) config file, a complete nginx.conf inside configDir. */
    innerConfig: `${CONFIG_DIR}/inner.conf`,
    /** `switchyard-apply <file|-> <sha256>`: validate, install, reload, wait for the sha. */
    applyBin: "/usr/local/bin/switchyard-apply",
    /** Where the router serves the status document unless router.statusPath says otherwise. */
    defaultStatusPath: "/_switchyard/status",
    /**
     * The header the front nginx sets on every request it proxies to the inner one (front.conf:
     * `X-Real-IP $remote_addr`, never empty). A request without it reached the inner listener
     * directly, from inside the container (switchyard-apply, `docker exec`): the internal listener.
     */
    proxiedHeader: "X-Real-IP",
} as const;

/** Where a rendered inner config lives and writes: the router image's paths, or a test's. */
export interface RouterRuntime {
    /** `host:port` the inner nginx listens on (the front nginx of the router image proxies here). */
    readonly listen: string;
    /**
     * A unix socket the inner nginx listens on as well: the front's hop to the inner without a TCP
     * connection on each end. @default - the TCP listener only
     */
    readonly socket?: string;
    readonly pidFile: string;
    readonly accessLog: string;
    /**
     * Lines of the access log are buffered and written at least this often (nginx `flush=`, e.g.
     * `1s`) instead of one write per request; the exporter tailing it sees them this much later.
     * @default - one write per request
     */
    readonly accessLogFlush?: string;
    readonly errorLog: string;
    /** Directory for nginx's temp paths (client bodies, proxy buffers). */
    readonly tempDir: string;
    readonly workerProcesses: number | "auto";
}

/** nginx access log inside the router image (format `switchyard`, JSON lines). */
export const ROUTER_ACCESS_LOG_PATH = "/var/log/switchyard/access.log";
/** Status documents of the config in force, one per line (images/router: sy_emit_state). */
export const ROUTER_STATE_LOG_PATH = "/var/log/switchyard/state.log";
/** Where the router image keeps the mtail program (a copy of renderRouterMtailProgram()). */
export const ROUTER_MTAIL_PROGRAM_PATH = "/etc/switchyard/mtail/router.mtail";
/** Port of the router exporter (mtail's default) on the app network. */
export const ROUTER_EXPORTER_PORT = 3903;

/** Paths inside the switchyard router image (images/router). */
export const ROUTER_IMAGE_RUNTIME: RouterRuntime = {
    listen: "127.0.0.1:8081",
    socket: "/run/switchyard/inner.sock",
    pidFile: "/run/switchyard/inner.pid",
    accessLog: ROUTER_ACCESS_LOG_PATH,
    accessLogFlush: "1s",
    errorLog: "/var/log/switchyard/inner-error.log",
    tempDir: "/var/lib/switchyard/tmp",
    workerProcesses: "auto",
};
