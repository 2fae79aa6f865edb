/**
 * BackupRunner: the container that takes the stack's scheduled snapshots (backup.schedule). Debian's
 * cron in switchyard/backup-runner runs the backup tool on the schedule; the tool's code is uploaded
 * from this checkout (the same files the pre-deploy Command runs), so the two paths cannot differ.
 * The schedule, the tool config and the notification sinks are not container inputs (the docker
 * provider replaces a container for any of those): a local Command installs them into the running
 * container and installs them again when they change, so a schedule change keeps the container.
 * The container restarts with the Docker daemon (restart unless-stopped) and serves the runs'
 * health on RUNNER.port of the app network for Prometheus. Why a container, and the order when a
 * run and a release both want the database: docs/decisions.md "Scheduled backups".
 */
import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { LABELS, ROLES } from "../../domain/labels";
import { RUNNER, RunnerInstall } from "../../runtime/backup/runner";
import { ToolSettings, toolConfig } from "../../runtime/backup/toolConfig";
import { dockerCommand, dockerEnvironment, DockerTlsInput } from "../dockerAccess";
import { PROJECT_DIR, runtimeCommand } from "../runtimeCommand";

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
 * The modules a TS or JS file loads relatively. Type-only imports are left out: the TS loader
 * erases them, so their files are not needed at run time.
 */
export function relativeImports(text: string): string[] {
    const code = text.replace(/^(?:import|export) type [^;]*;/gm, "");
    return [...code.matchAll(/(?:from |require\()"(\.{1,2}\/[^"]+)"/g)].map((m) => m[1]);
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
        for (const imported of relativeImports(text)) {
            const base = path.posix.normalize(path.posix.join(path.posix.dirname(f), imported));
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
    /** The Docker host (docker.host), for the install Command's `docker exec`. */
    dockerHost: string;
    /** TLS client material for a tcp:// docker.host. @default - none */
    dockerTls?: DockerTlsInput;
    /**
     * Sinks a failed run notifies, with their URLs or tokens (a Pulumi secret).
     * @default - none: a failed run is recorded and alerted on, not sent
     */
    notifications?: { settings: NonNullable<RunnerInstall["notifications"]>["settings"]; secrets: pulumi.Input<Record<string, string>> };
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
        const settings = pulumi.secret(
            pulumi.all([args.urls, args.notifications?.secrets ?? {}]).apply(([urls, secrets]) => {
                const install: RunnerInstall = {
                    cron: s.schedule.cron,
                    config: toolConfig(
                        { ...s, stack: args.stack },
                        Object.fromEntries(Object.entries(urls).map(([k, v]) => [k, runnerDatabaseUrl(v)])),
                        undefined,
                        "scheduled",
                    ),
                    notifications:
                        args.notifications && args.notifications.settings.sinks.length > 0
                            ? { settings: args.notifications.settings, secrets }
                            : null,
                };
                return JSON.stringify(install);
            }),
        );
        const code = runnerCodeFiles().map((f) => ({
            file: `/opt/switchyard/${f}`,
            content: fs.readFileSync(path.join(PROJECT_DIR, f), "utf8"),
        }));
        const labels = [
            { label: LABELS.stack, value: args.stack },
            { label: LABELS.role, value: ROLES.backupRunner },
        ];
        // The runs' state outlives the container (a new image or code replaces it).
        const state = new docker.Volume(`${name}-state`, { name: `${containerName}-state`, labels }, child);
        const target = s.target.type === "local" ? [{ hostPath: s.target.root, containerPath: s.target.root }] : [];
        const container = new docker.Container(
            name,
            {
                name: containerName,
                image: args.image,
                envs: [`SWITCHYARD_STACK=${args.stack}`],
                uploads: code,
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
        new command.local.Command(
            `${name}-install`,
            {
                create: dockerCommand(INSTALL, args.dockerTls),
                update: dockerCommand(INSTALL, args.dockerTls),
                environment: {
                    ...dockerEnvironment(args.dockerHost, args.dockerTls),
                    SY_CONTAINER: container.name,
                    SY_RUNNER_SETTINGS: settings,
                },
                // A new container starts without settings: it is installed into again.
                triggers: [container.id],
            },
            child,
        );
        this.containerName = container.name;
        this.metricsAddress = `${containerName}:${RUNNER.port}`;
        this.registerOutputs({ containerName: this.containerName, metricsAddress: this.metricsAddress });
    }
}

/** Installs the settings into the running runner (runtime/backup/runner.ts `install`). */
const INSTALL = runtimeCommand("backup-runner-install.sh");
