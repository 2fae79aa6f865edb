/**
 * BackupRunner: the container that takes the stack's scheduled snapshots (backup.schedule). Debian's
 * cron in switchyard/backup-runner runs the backup tool on the schedule; the tool's code is uploaded
 * from this checkout (the same files the pre-deploy Command runs), so the two paths cannot differ.
 * The container restarts with the Docker daemon (restart unless-stopped) and serves the runs'
 * health on RUNNER.port of the app network for Prometheus. Why a container, and the order when a
 * run and a release both want the database: docs/decisions.md "Scheduled backups".
 */
import * as docker from "@pulumi/docker";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { LABELS, ROLES } from "../../domain/labels";
import { RUNNER } from "../../runtime/backup/runner";
import { ToolSettings, toolConfig } from "../../runtime/backup/toolConfig";
import { PROJECT_DIR } from "../runtimeCommand";

/** The runner's name for the Docker host's own loopback (Docker's host-gateway). */
export const HOST_GATEWAY_NAME = "host.docker.internal";

/**
 * A database URL as the runner container must use it. The backup secrets name databases as the
 * deploying machine sees them; a loopback host there is the Docker host's own loopback, which the
 * runner reaches through the host gateway (the database must listen on the docker bridge too).
 * Any other host (a container name on the app network, a DNS name) is left as it is.
 */
export function runnerDatabaseUrl(url: string): string {
    return url.replace(/^([a-z]+:\/\/(?:[^@/]*@)?)(127\.0\.0\.1|localhost|\[::1\])(?=[:/?]|$)/i, `$1${HOST_GATEWAY_NAME}`);
}

/**
 * The files of this checkout the runner runs: the backup tool's entry points, runtime/backup and
 * domain/backup, the TS loader, and every module they import relatively (followed to the end, so a
 * shared module the tool starts to use is uploaded with it).
 */
export function runnerCodeFiles(projectDir = PROJECT_DIR): string[] {
    const ts = (dir: string) =>
        fs
            .readdirSync(path.join(projectDir, dir))
            .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))
            .map((f) => `${dir}/${f}`);
    const files = new Set([
        "tools/ts-hook.js",
        "runtime/backup.js",
        "runtime/backup-runner.js",
        ...ts("runtime/backup"),
        ...ts("domain/backup"),
    ]);
    const queue = [...files];
    while (queue.length > 0) {
        const f = queue.pop()!;
        const text = fs.readFileSync(path.join(projectDir, f), "utf8");
        for (const m of text.matchAll(/(?:from |require\()"(\.{1,2}\/[^"]+)"/g)) {
            const base = path.posix.normalize(path.posix.join(path.posix.dirname(f), m[1]));
            const hit = [base, `${base}.ts`, `${base}.js`].find(
                (c) => fs.existsSync(path.join(projectDir, c)) && fs.statSync(path.join(projectDir, c)).isFile(),
            );
            if (hit && !files.has(hit)) {
                files.add(hit);
                queue.push(hit);
            }
        }
    }
    return [...files].sort();
}

export interface BackupRunnerArgs {
    /** Stack name: the container's name prefix, label and the manifests' stack. */
    stack: string;
    /** The backup settings (validated `switchyard:backup`); `schedule` must be set. */
    settings: Omit<ToolSettings, "stack"> & { schedule: { cron: string; keepLast?: number; keepWithinDays?: number } };
    /** Database URL per source name (a Pulumi secret). */
    urls: pulumi.Input<Record<string, string>>;
    /** Image with cron, node and the database clients (images/backup-runner). */
    image: string;
    /** App network: Prometheus scrapes the runner there by name. */
    networkName: pulumi.Input<string>;
}

export class BackupRunner extends pulumi.ComponentResource {
    /** Name of the runner container. */
    public readonly containerName: pulumi.Output<string>;
    /** host:port Prometheus scrapes on the app network. */
    public readonly metricsAddress: string;

    constructor(name: string, args: BackupRunnerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("switchyard:backup:BackupRunner", name, {}, opts);
        const s = args.settings;
        const unsupported = [
            ...s.postgres.filter((d) => d.container).map((d) => `backup.postgres '${d.name}' (container)`),
            ...s.mysql.filter((d) => d.container).map((d) => `backup.mysql '${d.name}' (container)`),
            ...s.volumes.map((v) => `backup.volumes '${v.name}'`),
        ];
        if (unsupported.length > 0) {
            throw new Error(
                `BackupRunner ${name}: ${unsupported.join(", ")} need the Docker daemon, which the scheduled runner has no access to; ` +
                    "reach those databases by URL (remove `container`) or remove backup.schedule",
            );
        }
        const child = { parent: this };
        const containerName = `${args.stack}-backup-runner`;
        const config = pulumi.secret(
            pulumi
                .output(args.urls)
                .apply((urls) =>
                    toolConfig(
                        { ...s, stack: args.stack },
                        Object.fromEntries(Object.entries(urls).map(([k, v]) => [k, runnerDatabaseUrl(v)])),
                        undefined,
                        "scheduled",
                    ),
                ),
        );
        const code = runnerCodeFiles().map((f) => ({
            file: `/opt/switchyard/${f}`,
            content: fs.readFileSync(path.join(PROJECT_DIR, f), "utf8"),
        }));
        const labels = [
            { label: LABELS.stack, value: args.stack },
            { label: LABELS.role, value: ROLES.backupRunner },
        ];
        // The runs' state outlives the container (a schedule change replaces it).
        const state = new docker.Volume(`${name}-state`, { name: `${containerName}-state`, labels }, child);
        const target = s.target.type === "local" ? [{ hostPath: s.target.root, containerPath: s.target.root }] : [];
        const container = new docker.Container(
            name,
            {
                name: containerName,
                image: args.image,
                envs: [`SWITCHYARD_BACKUP_CRON=${s.schedule.cron}`, `SWITCHYARD_STACK=${args.stack}`],
                uploads: [{ file: RUNNER.configFile, content: config }, ...code],
                volumes: [{ volumeName: state.name, containerPath: RUNNER.stateDir }, ...target],
                hosts: [{ host: HOST_GATEWAY_NAME, ip: "host-gateway" }],
                networksAdvanced: [{ name: args.networkName, aliases: [containerName] }],
                labels,
                restart: "unless-stopped",
                mustRun: true,
                wait: false,
            },
            { ...child, deleteBeforeReplace: true },
        );
        this.containerName = container.name;
        this.metricsAddress = `${containerName}:${RUNNER.port}`;
        this.registerOutputs({ containerName: this.containerName, metricsAddress: this.metricsAddress });
    }
}
