/**
 * Throwaway Docker hosts for multi-host engine tests (scripts/test-hosts.sh): containers each running
 * their own dockerd and sshd, reached as ssh://root@<ip>. The ssh client config is generated per set
 * of hosts (host keys pinned, never the user's ~/.ssh) and reaches `ssh` through `path`, which
 * callers put first on PATH for the docker CLI and for `pulumi` (the docker provider runs ssh too).
 */
import * as path from "path";

import { ROOT, run } from "./harness";

export interface TestHost {
    /** Container name on this machine, e.g. `e2e-multi-host1`. */
    name: string;
    ip: string;
    /** What a user writes in docker.host: `ssh://root@<ip>`. */
    host: string;
}

export interface TestHosts {
    /** Fixture name: prefix of the containers and the network, and the label value. */
    name: string;
    /** Directory with the key, known_hosts, ssh_config and hosts.json. */
    dir: string;
    /** Holds `ssh` with the generated config: put it first on PATH. */
    path: string;
    hosts: TestHost[];
    seconds: { started: number; ready: number[]; imageLoad: number; total: number };
    /** Env that routes `ssh` through the generated config. */
    env: NodeJS.ProcessEnv;
}

const SCRIPT = path.join(ROOT, "scripts/test-hosts.sh");

/** Starts `count` hosts and loads `images` into each; on failure the script removes what it made. */
export async function startTestHosts(name: string, count: number, images: string[]): Promise<TestHosts> {
    const r = await run("bash", [SCRIPT, "up", name, String(count), ...images], { timeoutMs: 600_000 });
    if (r.code !== 0) {
        throw new Error(`scripts/test-hosts.sh up ${name} ${count} failed (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
    }
    const last = r.stdout.trim().split("\n").pop() ?? "";
    const parsed = JSON.parse(last) as Omit<TestHosts, "name" | "env">;
    return { ...parsed, name, env: { PATH: `${parsed.path}:${process.env.PATH ?? ""}` } };
}

/** Removes the hosts, their volumes, network, ssh connections and files; safe when nothing is there. */
export async function stopTestHosts(name: string): Promise<void> {
    const r = await run("bash", [SCRIPT, "down", name]);
    if (r.code !== 0) {
        throw new Error(`scripts/test-hosts.sh down ${name} failed (exit ${r.code}): ${r.stderr}`);
    }
}

/** Makes host `index` (0-based) drop every packet from the test network, or answer again (`mend`). */
export async function setReachable(hosts: TestHosts, index: number, reachable: boolean): Promise<void> {
    const r = await run("bash", [SCRIPT, reachable ? "mend" : "cut", hosts.name, String(index + 1)]);
    if (r.code !== 0) {
        throw new Error(`scripts/test-hosts.sh ${reachable ? "mend" : "cut"} ${hosts.name} ${index + 1} failed: ${r.stderr}`);
    }
}

/** `docker -H <host> ...` through the fixture's ssh config. */
export function dockerOn(hosts: TestHosts, host: TestHost, args: string[]): ReturnType<typeof run> {
    return run("docker", ["-H", host.host, ...args], { env: hosts.env });
}
