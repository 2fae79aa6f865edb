/**
 * Where the benchmarks send load, and what a container spent: addresses read from Docker, and CPU
 * time from the container's own cgroup, read inside it so the host's cgroup layout does not matter.
 */
import { docker as dockerOn } from "../lib/docker";

/** The benchmarks measure the local engine (the local stack's docker.host), or DOCKER_HOST when set. */
export const DOCKER_HOST = process.env.DOCKER_HOST ?? "unix:///var/run/docker.sock";

function docker(args: string[]): string {
    const r = dockerOn(DOCKER_HOST, args);
    if (r.code !== 0) {
        throw new Error(`docker ${args.join(" ")} failed: ${r.err.trim()}`);
    }
    return r.out.trim();
}

/** The container's address on its first network. */
export function containerIp(name: string): string {
    const ip = docker(["inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}", name]).split(" ")[0];
    if (!ip) {
        throw new Error(`container ${name} has no network address`);
    }
    return ip;
}

/** CPU time the container has used so far, in microseconds (cgroup v2 `cpu.stat`, or v1 `cpuacct.usage`). */
export function cpuMicros(name: string): number {
    try {
        const m = /^usage_usec (\d+)$/m.exec(docker(["exec", name, "cat", "/sys/fs/cgroup/cpu.stat"]));
        if (m) {
            return Number(m[1]);
        }
    } catch {
        // not cgroup v2: try v1 below
    }
    const ns = Number(docker(["exec", name, "cat", "/sys/fs/cgroup/cpuacct/cpuacct.usage"]));
    if (!Number.isFinite(ns)) {
        throw new Error(`container ${name}: no CPU usage in its cgroup (neither cpu.stat nor cpuacct.usage)`);
    }
    return ns / 1000;
}

/** Names of the running containers with all these labels. */
export function containersWith(labels: Record<string, string>): string[] {
    const filters = Object.entries(labels).flatMap(([k, v]) => ["--filter", `label=${k}=${v}`]);
    const out = docker(["ps", "--format", "{{.Names}}", ...filters]);
    return out.split("\n").filter(Boolean).sort();
}

export function dockerRun(args: string[]): string {
    return docker(args);
}
