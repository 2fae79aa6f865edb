/**
 * `switchyard backup now | snapshot | list | verify <id|latest> | restore <id|latest> [--yes] | prune [--dry-run]`
 * `[--stack S] [--json]`: the backup tool (runtime/backup.js) on a stack's snapshot target. The tool's
 * config is the one the pre-deploy BackupSnapshot passes (runtime/backup/config.ts toolConfig), built
 * from the stack's config as the Automation API reads it (getAllConfig), validated by the program's
 * own parser. A manual snapshot records the stack's current release (outputs `deploymentId` and
 * `versions`) with no version change, so retention never counts it as a release's rollback snapshot.
 * `now` is `snapshot` followed by `verify` of what it published, timed: a manual snapshot with its
 * id, size, duration and verification result.
 * Exit codes are the tool's: 0 done, 1 failed, 2 usage, 3 restore cancelled, 4 snapshot does not verify.
 */
import { spawn } from "child_process";
import type { ConfigMap } from "@pulumi/pulumi/automation";
import { runtimeFile, PROJECT_DIR } from "../../components/runtimeCommand";
import { DOCKER_TLS_ENV, dockerTlsEnv } from "../../domain/dockerTls";
import { ReleaseFacts, toolConfig, ToolKind } from "../../runtime/backup/toolConfig";
import { stackConfigOf } from "../lib/stackConfig";
import { CliError, CommonOptions, ExitCode, Io, maskedIo } from "../lib/cli";
import { Progress } from "../lib/progress";
import { withStack } from "../lib/stack";
import { plainOutputs } from "./up";

export const BACKUP_ACTIONS = ["now", "snapshot", "list", "verify", "restore", "prune"] as const;
export type BackupAction = (typeof BACKUP_ACTIONS)[number];

export interface BackupOptions extends CommonOptions {
    action: BackupAction;
    /** Snapshot id or `latest` (verify, restore). */
    ref?: string;
    /** restore: no confirmation prompt. */
    yes: boolean;
    /** prune: say what would be removed, remove nothing. */
    dryRun: boolean;
}

/** The tool's arguments for an action. snapshot and verify always print one JSON line. */
export function toolArgs(o: BackupOptions): string[] {
    const json = o.json ? ["--json"] : [];
    switch (o.action) {
        case "now":
        case "snapshot":
            return ["snapshot"];
        case "list":
            return ["list", ...json];
        case "verify":
            return ["verify", o.ref ?? "latest"];
        case "restore":
            return ["restore", o.ref ?? "latest", ...(o.yes ? ["--yes"] : []), ...json];
        case "prune":
            return ["prune", ...(o.dryRun ? ["--dry-run"] : []), ...json];
    }
}

/** The tool's exit code as the CLI's (the same numbers; anything unknown is a failure). */
export function exitCodeOf(toolCode: number): ExitCode {
    const known: readonly number[] = Object.values(ExitCode);
    return known.includes(toolCode) ? (toolCode as ExitCode) : ExitCode.Failed;
}

/** The release a manual snapshot records: the stack's current one, when it has been deployed. */
export function releaseFromOutputs(outputs: Readonly<Record<string, unknown>>): ReleaseFacts | undefined {
    const deploymentId = outputs.deploymentId;
    if (typeof deploymentId !== "string" || deploymentId === "") {
        return undefined;
    }
    const versions = (outputs.versions ?? {}) as Record<string, string | null>;
    return { deploymentId, versionsBefore: versions, versionsAfter: versions, commit: null };
}

/**
 * The tool config JSON (secret: it holds the database URLs) and the Docker host, from a stack's
 * config map as the Automation API returns it.
 */
export function backupToolConfig(
    stack: string,
    all: ConfigMap,
    env: { DOCKER_CONTEXT?: string },
    release?: ReleaseFacts,
    kind?: ToolKind,
): { json: string; dockerHost: string; dockerTls: Record<string, string> } {
    const r = stackConfigOf(stack, all, env);
    if (!r.config.backup) {
        throw new CliError(`stack ${stack} has no switchyard:backup config: it takes no snapshots`, ExitCode.Usage);
    }
    return {
        json: toolConfig({ stack: r.config.stack, app: r.config.app.name, ...r.config.backup }, r.backupSecrets, release, kind),
        dockerHost: r.config.docker.host,
        dockerTls: dockerTlsEnv(r.dockerTls),
    };
}

/** Runs `node runtime/backup.js` with the config in its environment (never argv); stderr goes through (also used by rollback). */
export function runTool(args: string[], env: NodeJS.ProcessEnv, io: Io): Promise<{ code: number; stdout: string }> {
    return new Promise((resolve, reject) => {
        // With a tcp:// host's certificate, the tool's docker calls run under runtime/docker-tls.js.
        const tool = [runtimeFile("backup.js"), ...args];
        const argv = DOCKER_TLS_ENV.cert in env ? [runtimeFile("docker-tls.js"), process.execPath, ...tool] : tool;
        const child = spawn(process.execPath, argv, {
            cwd: PROJECT_DIR,
            env,
            // stdin: restore asks for `yes` unless --yes.
            stdio: ["inherit", "pipe", "pipe"],
        });
        let stdout = "";
        child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
        child.stderr.setEncoding("utf8").on("data", (d: string) => io.err(d));
        child.on("error", reject);
        child.on("close", (code) => resolve({ code: code ?? 1, stdout }));
    });
}

/** What `backup now` reports. */
export interface NowResult {
    snapshotId: string;
    location: string;
    kind: "manual";
    totalBytes: number;
    manifestSha256: string;
    /** Wall time of the snapshot (dump, hash, verify before publishing, publish). */
    durationSeconds: number;
    /** The published snapshot re-read at the target against its manifest. */
    verification: { ok: boolean; files?: number; durationSeconds: number };
}

export function renderNow(r: NowResult, json: boolean): string {
    if (json) return `${JSON.stringify(r, null, 2)}\n`;
    const v = r.verification;
    return (
        `snapshot ${r.snapshotId} (manual): ${r.totalBytes} bytes (${(r.totalBytes / 1e6).toFixed(1)} MB) in ${r.durationSeconds.toFixed(1)} s at ${r.location}\n` +
        `verification: ${v.ok ? `ok, ${v.files} files re-read at the target in ${v.durationSeconds.toFixed(1)} s` : "FAILED (see above)"}\n`
    );
}

/** What the CLI prints of the tool's output. */
export function renderBackup(o: BackupOptions, stdout: string): string {
    const text = stdout.trim();
    if (o.action !== "snapshot" && o.action !== "verify") {
        return text === "" ? "" : `${text}\n`;
    }
    const r = JSON.parse(text.split("\n").pop() ?? "");
    if (o.json) {
        return `${JSON.stringify(r, null, 2)}\n`;
    }
    return o.action === "snapshot"
        ? `snapshot ${r.snapshotId}: ${r.totalBytes} bytes at ${r.location} (manifest sha256 ${r.manifestSha256})\n`
        : `snapshot ${r.snapshotId} verifies: ${r.files} files, ${r.totalBytes} bytes\n`;
}

export async function backup(opts: BackupOptions, io: Io): Promise<ExitCode> {
    return withStack(opts, async (s) => {
        io = maskedIo(io, s.scrub);
        const progress = new Progress(io.now, io.err);
        progress.say(`stack ${s.name}: reading the backup config`);
        const takes = opts.action === "snapshot" || opts.action === "now";
        const release = takes ? releaseFromOutputs(plainOutputs(await s.stack.outputs())) : undefined;
        const { json, dockerHost, dockerTls } = backupToolConfig(
            s.name,
            await s.stack.getAllConfig(),
            { DOCKER_CONTEXT: io.env.DOCKER_CONTEXT },
            release,
            takes ? "manual" : undefined,
        );
        const args = toolArgs(opts);
        progress.say(`stack ${s.name}: backup ${opts.action === "now" ? "now: taking a manual snapshot" : args.join(" ")}`);
        const env = { ...io.env, SWITCHYARD_BACKUP_CONFIG: json, DOCKER_HOST: dockerHost, ...dockerTls };
        const t0 = io.now();
        const r = await runTool(args, env, io);
        if (r.code === 0 && opts.action === "now") {
            const durationSeconds = (io.now() - t0) / 1000;
            const snap = JSON.parse(r.stdout.trim().split("\n").pop() ?? "") as Omit<
                NowResult,
                "kind" | "durationSeconds" | "verification"
            >;
            progress.say(`stack ${s.name}: snapshot ${snap.snapshotId} published; verifying it at the target`);
            const t1 = io.now();
            const v = await runTool(["verify", snap.snapshotId], env, io);
            const verified = v.code === 0 ? (JSON.parse(v.stdout.trim().split("\n").pop() ?? "") as { files: number }) : undefined;
            const result: NowResult = {
                snapshotId: snap.snapshotId,
                location: snap.location,
                kind: "manual",
                totalBytes: snap.totalBytes,
                manifestSha256: snap.manifestSha256,
                durationSeconds,
                verification: { ok: v.code === 0, ...(verified ? { files: verified.files } : {}), durationSeconds: (io.now() - t1) / 1000 },
            };
            io.out(renderNow(result, opts.json));
            if (v.code !== 0)
                throw new CliError(`backup now: snapshot ${snap.snapshotId} does not verify at the target`, exitCodeOf(v.code));
            progress.say(`stack ${s.name}: backup now done`);
            return ExitCode.Ok;
        }
        if (r.code !== 0) {
            // The tool said why on stderr (passed through above).
            throw new CliError(`backup ${opts.action} failed (the backup tool's exit code ${r.code})`, exitCodeOf(r.code));
        }
        io.out(renderBackup(opts, r.stdout));
        progress.say(`stack ${s.name}: backup ${opts.action} done`);
        return ExitCode.Ok;
    });
}
