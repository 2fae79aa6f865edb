/** Helpers for the observability tests: temp dirs, free ports, child processes, polling. */
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export function tempDir(prefix: string): string {
    return fs.mkdtempSync(path.join(os.tmpdir(), `switchyard-obs-${prefix}-`));
}

export { freePort } from "../net";

export interface RunResult {
    status: number | null;
    output: string;
}
export function run(cmd: string, args: string[], cwd?: string): RunResult {
    const r = spawnSync(cmd, args, { cwd, encoding: "utf8", timeout: 60_000 });
    if (r.error) throw r.error;
    return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

/** Starts a long-running process; its output is kept for failure messages. */
export function start(cmd: string, args: string[]): { proc: ChildProcess; log: () => string; stop: () => Promise<void> } {
    const proc = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    proc.stdout?.on("data", (d) => (out += d));
    proc.stderr?.on("data", (d) => (out += d));
    return {
        proc,
        log: () => out,
        stop: () =>
            new Promise((resolve) => {
                if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
                proc.once("exit", () => resolve());
                proc.kill("SIGTERM");
            }),
    };
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    while (Date.now() < deadline) {
        try {
            const v = await fn();
            if (v !== undefined) return v;
        } catch (e) {
            last = e;
        }
        await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
}

/** Parses Prometheus text exposition into `name{labels}` -> value (labels sorted). */
export function parseExposition(text: string): Map<string, number> {
    const out = new Map<string, number>();
    for (const line of text.split("\n")) {
        if (!line || line.startsWith("#")) continue;
        const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/.exec(line);
        if (!m) continue;
        const labels = m[3]
            ? [...m[3].matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((x) => `${x[1]}="${x[2]}"`).sort()
            : [];
        out.set(`${m[1]}{${labels.join(",")}}`, Number(m[4]));
    }
    return out;
}
