import { spawnSync } from "child_process";

/** Runs a command to completion; never throws for a non-zero exit (callers read `code`). */
export function sh(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): { code: number; out: string; err: string } {
    const r = spawnSync(cmd, args, { encoding: "utf8", env, maxBuffer: 64 * 1024 * 1024 });
    return { code: r.status ?? 1, out: r.stdout ?? "", err: r.stderr ?? "" };
}
