/**
 * `switchyard:docker.host` (one Docker host) or `switchyard:docker.hosts` (several): exactly one of
 * the two. Each list entry is `{name, host, labels}`; names and endpoints are unique.
 */
import { z } from "zod";

/** unix:///path, ssh://user@host[:port] or tcp://host:port; a password never goes here (ssh keys, dockerTls). */
export const DOCKER_ENDPOINT = /^(unix:\/\/\/\S+|ssh:\/\/[^\s@]+@[^\s:]+(:\d+)?|tcp:\/\/[^\s:]+:\d+)$/;
export const DOCKER_ENDPOINT_MESSAGE = "must be unix:///path/docker.sock, ssh://user@host[:port] or tcp://host:port";
export const DEFAULT_DOCKER_HOST = "unix:///var/run/docker.sock";
/** Host names become part of resource and container names: short, lower-case, DNS-label-like. */
export const HOST_NAME = /^[a-z0-9](?:[a-z0-9-]{0,22}[a-z0-9])?$/;
export const MAX_HOSTS = 20;

export const dockerEndpoint = () => z.string({ error: DOCKER_ENDPOINT_MESSAGE }).regex(DOCKER_ENDPOINT, { error: DOCKER_ENDPOINT_MESSAGE });

const labelKey = /^[a-z0-9](?:[a-z0-9._-]{0,61}[a-z0-9])?$/;

const hostEntry = z.strictObject({
    /** Names the host in resources, logs, status and `--exclude-host`. */
    name: z
        .string({ error: "must be a host name such as web-1" })
        .regex(HOST_NAME, { error: "must be 1-24 lower-case letters, digits and '-' (not at either end), e.g. web-1" }),
    host: dockerEndpoint(),
    /** Free-form placement labels (region, rack...). @default {} */
    labels: z
        .record(
            z.string().regex(labelKey, { error: "label names are lower-case letters, digits and '._-' (at most 63), e.g. region" }),
            z
                .string({ error: "label values are strings" })
                .max(128, { error: "label values are at most 128 characters" })
                .regex(/^[^\u0000-\u001f\u007f]*$/, { error: "label values have no control characters" }),
        )
        .default({}),
});

export type DockerHostEntry = z.infer<typeof hostEntry>;

export const dockerHostsSchema = z
    .array(hostEntry, { error: "must be a list of {name, host, labels}" })
    .min(1, { error: "must list at least one host; for a single host you may use docker.host instead" })
    .max(MAX_HOSTS, { error: `must list at most ${MAX_HOSTS} hosts` })
    .superRefine((hosts, ctx) => {
        const seen = new Map<string, number>();
        const endpoints = new Map<string, number>();
        hosts.forEach((h, i) => {
            const name = seen.get(h.name);
            if (name !== undefined) {
                ctx.addIssue({
                    code: "custom",
                    path: [i, "name"],
                    message: `'${h.name}' is already the name of docker.hosts[${name}]; each host needs a name of its own`,
                });
            } else {
                seen.set(h.name, i);
            }
            const same = endpoints.get(h.host);
            if (same !== undefined) {
                ctx.addIssue({
                    code: "custom",
                    path: [i, "host"],
                    message: `is the same Docker endpoint as docker.hosts[${same}] (${hosts[same].name}); two entries would deploy twice to one daemon. Remove one`,
                });
            } else {
                endpoints.set(h.host, i);
            }
        });
    });

/** Refinement of the `docker` section: docker.host and docker.hosts are exclusive. */
export function checkOneHostForm(docker: { host?: string; hosts?: readonly DockerHostEntry[] }, ctx: z.RefinementCtx): void {
    if (docker.host !== undefined && docker.hosts !== undefined) {
        ctx.addIssue({
            code: "custom",
            path: ["host"],
            message:
                "is set together with docker.hosts; use one of the two: docker.host for one Docker host, docker.hosts for several. " +
                "Fix: pulumi config rm --path docker.host (and list that host in docker.hosts), or pulumi config rm --path docker.hosts",
        });
    }
}

/** `docker.excludeHosts`: hosts an update leaves as they are (set by `switchyard up --exclude-host`). */
export const excludeHostsSchema = z
    .array(
        z
            .string({ error: "must be a host name of docker.hosts" })
            .regex(HOST_NAME, { error: "must be a host name of docker.hosts, e.g. web-2" }),
        {
            error: "must be a list of host names of docker.hosts",
        },
    )
    .max(MAX_HOSTS - 1);

/**
 * Refinement of the `docker` section: every excluded host is a listed one, not the first (it runs
 * the once-per-stack steps), and at least one host is left.
 */
export function checkExcludedHosts(
    docker: { hosts?: readonly DockerHostEntry[]; excludeHosts?: readonly string[] },
    ctx: z.RefinementCtx,
): void {
    const excluded = docker.excludeHosts ?? [];
    if (excluded.length === 0) {
        return;
    }
    const names = (docker.hosts ?? []).map((h) => h.name);
    excluded.forEach((name, i) => {
        const at = names.indexOf(name);
        const issue = (message: string) => ctx.addIssue({ code: "custom", path: ["excludeHosts", i], message });
        if (at < 0) {
            issue(
                `'${name}' is not a host of docker.hosts (${names.join(", ") || "none: the stack has one host"}). Fix: name a listed host, or pulumi config rm --path docker.excludeHosts`,
            );
        } else if (at === 0) {
            issue(
                `'${name}' is the first host of docker.hosts: it runs the once-per-stack steps (pre-deploy snapshot, migration, backup runner, monitoring) and cannot be left out. Fix: bring it back, or list another host first`,
            );
        }
    });
}
