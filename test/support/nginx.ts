/** Runs the real Debian nginx on rendered router configs: `nginx -t`, and a live router on loopback. */
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { RouterRuntime } from "../../domain/routerImage";

export const NGINX = ["/usr/sbin/nginx", "/usr/local/sbin/nginx"].find((p) => fs.existsSync(p));

export function requireNginx(): string {
    if (!NGINX) {
        throw new Error("nginx is not installed: scripts/test.sh installs it (apt-get install -y nginx-light)");
    }
    return NGINX;
}

/** A private runtime (pid, logs, temp dirs) under a new temp directory. */
export function tempRuntime(listen: string): { dir: string; runtime: RouterRuntime } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sy-nginx-"));
    fs.chmodSync(dir, 0o755);
    const tmp = path.join(dir, "tmp");
    fs.mkdirSync(tmp, { mode: 0o777 });
    fs.chmodSync(tmp, 0o777);
    return {
        dir,
        runtime: {
            listen,
            pidFile: path.join(dir, "nginx.pid"),
            accessLog: path.join(dir, "access.log"),
            errorLog: path.join(dir, "error.log"),
            tempDir: tmp,
            workerProcesses: 1,
        },
    };
}

/** `nginx -t` on a config text; returns nginx's verdict. */
export function nginxTest(dir: string, text: string): { ok: boolean; output: string } {
    const file = path.join(dir, `test-${process.hrtime.bigint()}.conf`);
    fs.writeFileSync(file, text);
    const r = spawnSync(requireNginx(), ["-t", "-q", "-p", dir, "-e", path.join(dir, "startup-error.log"), "-c", file], {
        encoding: "utf8",
    });
    fs.rmSync(file);
    return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
}

export { freePort } from "./net";

/** A live nginx running one rendered config; `reload(text)` swaps the config gracefully. */
export class LiveNginx {
    private readonly file: string;
    constructor(
        private readonly dir: string,
        text: string,
    ) {
        this.file = path.join(dir, "router.conf");
        fs.writeFileSync(this.file, text);
        execFileSync(requireNginx(), ["-p", dir, "-e", path.join(dir, "startup-error.log"), "-c", this.file]);
    }
    /** Graceful reload; resolves once every worker that ran the old config has exited. */
    async reload(text: string): Promise<void> {
        const old = this.workers();
        fs.writeFileSync(this.file, text);
        execFileSync(requireNginx(), ["-p", this.dir, "-e", path.join(this.dir, "startup-error.log"), "-c", this.file, "-s", "reload"]);
        const until = Date.now() + 10_000;
        while (Date.now() < until) {
            const now = this.workers();
            if (now.length > 0 && !now.some((p) => old.includes(p))) {
                return;
            }
            await new Promise((r) => setTimeout(r, 20));
        }
        throw new Error("nginx reload: old workers still running after 10 s");
    }
    private workers(): string[] {
        const master = fs.readFileSync(path.join(this.dir, "nginx.pid"), "utf8").trim();
        const r = spawnSync("ps", ["-o", "pid=", "--ppid", master], { encoding: "utf8" });
        return r.stdout
            .split("\n")
            .map((x) => x.trim())
            .filter(Boolean);
    }
    stop(): void {
        spawnSync(requireNginx(), ["-p", this.dir, "-e", path.join(this.dir, "startup-error.log"), "-c", this.file, "-s", "stop"]);
    }
}

/** A tiny backend that says who it is. */
export function backend(host: string, port: number, who: string): Promise<http.Server> {
    const server = http.createServer((req, res) => {
        req.resume();
        req.on("end", () => {
            res.setHeader("X-Backend", who);
            res.end(who);
        });
    });
    server.keepAliveTimeout = 70000;
    return new Promise((resolve) => server.listen(port, host, () => resolve(server)));
}

export interface Reply {
    status: number;
    body: string;
    headers: http.IncomingHttpHeaders;
}

/**
 * One connection per request: these tests check routing, not keep-alive across reloads (a single
 * nginx closes idle keep-alive connections on reload; the router image's front nginx is what
 * keeps clients whole, proven by the engine tests).
 */
export function get(url: string, headers: Record<string, string> = {}): Promise<Reply> {
    return new Promise((resolve, reject) => {
        http.get(url, { headers, agent: false }, (res) => {
            let body = "";
            res.setEncoding("utf8");
            res.on("data", (c) => (body += c));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
        }).on("error", reject);
    });
}
