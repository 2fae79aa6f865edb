import { spawnSync } from "child_process";

/** Runs a command to completion (with `input` on its stdin); never throws for a non-zero exit (callers read `code`). */
export function sh(
    cmd: string,
    args: string[],
    env: NodeJS.ProcessEnv = process.env,
    opts: { input?: string; timeoutMs?: number } = {},
): { code: number; out: string; err: string } {
    const r = spawnSync(cmd, args, {
        encoding: "utf8",
        env,
        maxBuffer: 64 * 1024 * 1024,
        ...(opts.input !== undefined ? { input: opts.input } : {}),
        ...(opts.timeoutMs ? { timeout: opts.timeoutMs } : {}),
    });
    if (r.error && r.status === null) {
        return { code: 1, out: r.stdout ?? "", err: `${r.stderr ?? ""}${String(r.error)}` };
    }
    return { code: r.status ?? 1, out: r.stdout ?? "", err: r.stderr ?? "" };
}
