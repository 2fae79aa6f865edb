/**
 * `switchyard`: the operator commands, on the Pulumi Automation API (typed results and engine
 * events; the `pulumi` CLI is never parsed). Run through tools/bin/switchyard.js (`npx switchyard`).
 *
 *   switchyard up      [--stack S] [--create] [--policy-pack DIR]... [--no-refresh] [--exclude-host NAME]... [--json]
 *   switchyard drift   [--stack S] [--json]
 *   switchyard recover [--stack S] [--json]
 *   switchyard down    [--stack S] [--json]
 *   switchyard rollback [--level 1|2|3|4] [--to DEPLOYMENT-ID] [--snapshot ID] [--reason TEXT] [--yes] [--stack S] [--json]
 *   switchyard audit   [--since DATE] [--stack S] [--json]
 *   switchyard backup  now | snapshot | list | verify <id|latest> | restore <id|latest> [--yes] | prune [--dry-run]  [--stack S] [--json]
 *   switchyard release <version> [--emergency REASON] [--allow-downgrade] [--commit] [--dry-run-analysis] [--stack S] [--json]
 *   switchyard release promote [--full] | abort | retry | pause | resume  [--commit] [--stack S] [--json]
 *   switchyard status  [--watch] [--stack S] [--json]
 *
 * Exit codes: 0 done / no drift; 1 drift found, or the update, recovery or backup failed; 2 usage or
 * environment error (bad arguments, DOCKER_CONTEXT set, no such stack, the check could not run);
 * 3 restore or level-4 rollback not confirmed; 4 snapshot does not verify. `release`: 0 promoted,
 * 1 rolled back or aborted, 2 error (preflight refused, usage), 3 paused or inconclusive.
 */
import { Command, CommanderError, Option } from "commander";
import { checkEnvironment } from "../config/environment";
import { CliError, CommonOptions, ExitCode, Io, processIo } from "./lib/cli";
import type { BackupAction, BackupOptions } from "./commands/backup";
import type { DownOptions } from "./commands/down";
import type { DriftOptions } from "./commands/drift";
import type { RecoverOptions } from "./commands/recover";
import type { ReleaseAction, ReleaseOptions } from "./commands/release";
import type { StatusOptions } from "./commands/status";
import type { UpOptions } from "./commands/up";
import type { AuditOptions } from "./commands/audit";
import type { RollbackOptions } from "./commands/rollback";

/** What each command runs (the real ones by default; tests pass their own). */
export interface Commands {
    up(opts: UpOptions, io: Io): Promise<ExitCode>;
    drift(opts: DriftOptions, io: Io): Promise<ExitCode>;
    recover(opts: RecoverOptions, io: Io): Promise<ExitCode>;
    down(opts: DownOptions, io: Io): Promise<ExitCode>;
    backup(opts: BackupOptions, io: Io): Promise<ExitCode>;
    rollback(opts: RollbackOptions, io: Io): Promise<ExitCode>;
    audit(opts: AuditOptions, io: Io): Promise<ExitCode>;
    release(opts: ReleaseOptions, io: Io): Promise<ExitCode>;
    status(opts: StatusOptions, io: Io): Promise<ExitCode>;
}

const realCommands: Commands = {
    up: (o, io) => require("./commands/up").up(o, io),
    drift: (o, io) => require("./commands/drift").drift(o, io),
    recover: (o, io) => require("./commands/recover").recover(o, io),
    down: (o, io) => require("./commands/down").down(o, io),
    backup: (o, io) => require("./commands/backup").backup(o, io),
    rollback: (o, io) => require("./commands/rollback").rollback(o, io),
    audit: (o, io) => require("./commands/audit").audit(o, io),
    release: (o, io) => require("./commands/release").release(o, io),
    status: (o, io) => require("./commands/status").status(o, io),
};

const EXIT_CODES_HELP = `
Exit codes:
  0  done; for drift: no drift
  1  drift found, or the update, the recovery, the destroy, the backup command or the rollback failed
  2  usage or environment error (bad arguments, DOCKER_CONTEXT set, no such stack, the check could not run)
  3  backup restore, rollback --level 4: not confirmed, nothing was changed
  4  backup verify/restore: the snapshot does not verify, nothing was changed
release: 0 promoted, 1 rolled back or aborted, 2 error (preflight refused: nothing changed), 3 paused or inconclusive`;

function collect(value: string, previous: string[]): string[] {
    return [...previous, value];
}

/** The commander program; `run` receives the command's name and its parsed options. */
export function buildProgram(io: Io, run: (name: keyof Commands, opts: Record<string, unknown>) => Promise<void>): Command {
    const program = new Command("switchyard")
        .description("switchyard's operator commands (Pulumi Automation API)")
        .exitOverride()
        .configureOutput({ writeOut: io.out, writeErr: io.err })
        .addHelpText("after", EXIT_CODES_HELP)
        .showHelpAfterError();
    const common = (c: Command) =>
        c
            .addOption(new Option("--stack <name>", "stack to work on (default: the selected stack)"))
            .option("--json", "machine output: one JSON document on stdout")
            .addHelpText("after", EXIT_CODES_HELP);
    common(program.command("up").description("update the stack: refresh, policy packs, then a summary of what changed"))
        .option("--policy-pack <dir>", "run this policy pack (repeatable)", collect, [])
        .option("--no-refresh", "skip reading the host back before the update (default: refresh)")
        .option("--create", "create the stack when it does not exist yet")
        .option(
            "--exclude-host <name>",
            "leave this host of docker.hosts as it is in this update, e.g. while it is down (repeatable; recorded)",
            collect,
            [],
        )
        .action((opts) => run("up", opts));
    common(
        program.command("drift").description("is the host what state says? refresh preview plus live router and container checks"),
    ).action((opts) => run("drift", opts));
    common(
        program.command("recover").description("after an interrupted update: release the lock, refresh, remove stray containers"),
    ).action((opts) => run("recover", opts));
    common(program.command("down").description("remove every resource of the stack; the stack and its history stay in the backend")).action(
        (opts) => run("down", opts),
    );
    common(
        program
            .command("rollback")
            .description(
                "go back from the live release: 1 flip traffic back, 2 redeploy the previous version on the idle colour through the gates, 3 also run its recorded down-migration, 4 also restore its pre-deploy snapshot (after a fresh one)",
            ),
    )
        .option("--level <n>", "1, 2, 3 or 4", "1")
        .option("--to <deployment-id>", "the release to go back to (default: the version before the live release)")
        .option("--snapshot <id>", "level 4: restore this snapshot of the stack instead of the live release's own")
        .option("--reason <text>", "why (sent with the notifications, kept in the record)")
        .option("--yes", "level 4: restore without asking")
        .action((opts) => run("rollback", opts));
    common(program.command("audit").description("history of releases, rollbacks, emergencies and drift checks (records and stack history)"))
        .option("--since <date>", "only from this date (2026-11-30 or an ISO time)")
        .action((opts) => run("audit", opts));
    const backup = program
        .command("backup")
        .description(
            "manual, scheduled and pre-deploy snapshots of the stack's databases and volumes (the stack's switchyard:backup target)",
        )
        .addHelpText("after", EXIT_CODES_HELP);
    const action = (name: BackupAction, description: string, ref = false) => {
        const c = common(backup.command(name).description(description));
        if (ref) {
            c.argument("<id>", "snapshot id, or `latest`");
        }
        return c.action((...a: unknown[]) => {
            const opts = a[ref ? 1 : 0] as Record<string, unknown>;
            return run("backup", { ...opts, action: name, ...(ref ? { ref: a[0] } : {}) });
        });
    };
    action("now", "take a manual snapshot now with progress; prints its id, size, duration and verification result");
    action("snapshot", "take a snapshot now (recording the stack's current release), verify and publish it");
    action("list", "the snapshots at the target, oldest first; incomplete ones flagged");
    action("verify", "re-read every file of a snapshot against its manifest", true);
    action("restore", "verify a snapshot, then restore its databases and volumes (asks first)", true).option(
        "--yes",
        "restore without asking",
    );
    action("prune", "remove snapshots the retention policy does not keep (never a colour's current or previous release)").option(
        "--dry-run",
        "say what would be removed, remove nothing",
    );
    common(
        program
            .command("release")
            .description(
                "progressive canary of <version> on the idle colour: steps, analysis, promotion, stability watch, automatic rollback; " +
                    "or promote [--full] | abort | retry | pause | resume the stack's release",
            ),
    )
        .argument("<version|action>", "the version to release, or promote | abort | retry | pause | resume")
        .option("--emergency <reason>", "release outside the deployment window; the reason is recorded")
        .option("--allow-downgrade", "allow a version older than the live one")
        .option("--full", "promote: skip the remaining steps")
        .option("--commit", "commit Pulumi.<stack>.yaml (what is live) when the driver exits")
        .option("--dry-run-analysis", "score the live canary against the analysis thresholds once, change nothing")
        .action((arg: string, opts: Record<string, unknown>) => run("release", { ...opts, arg }));
    common(
        program
            .command("status")
            .description("colours, versions, weights configured/served/measured, release step, analysis, last decision"),
    )
        .option("--watch", "redraw every 2 s until Ctrl-C")
        .action((opts) => run("status", opts));
    return program;
}

/** Parses `argv` (without node and the script), refuses a stray DOCKER_CONTEXT, runs the command. */
export async function main(argv: string[], io: Io = processIo, commands: Commands = realCommands): Promise<ExitCode> {
    let code: ExitCode = ExitCode.Ok;
    let name = argv.find((a) => !a.startsWith("-")) ?? "";
    let json = argv.includes("--json");
    const program = buildProgram(io, async (command, opts) => {
        name = command;
        json = Boolean(opts.json);
        // Every command runs the engine with a refresh, which would follow a stray DOCKER_CONTEXT.
        const problems = checkEnvironment({ DOCKER_CONTEXT: io.env.DOCKER_CONTEXT });
        if (problems.length > 0) {
            throw new CliError(problems.join("\n"), ExitCode.Usage);
        }
        const common: CommonOptions = { stack: opts.stack as string | undefined, json };
        if (command === "up") {
            code = await commands.up(
                {
                    ...common,
                    policyPack: opts.policyPack as string[],
                    refresh: opts.refresh as boolean,
                    create: Boolean(opts.create),
                    excludeHost: opts.excludeHost as string[],
                },
                io,
            );
        } else if (command === "backup") {
            const backup: BackupOptions = {
                ...common,
                action: opts.action as BackupAction,
                ...(opts.ref !== undefined ? { ref: opts.ref as string } : {}),
                yes: Boolean(opts.yes),
                dryRun: Boolean(opts.dryRun),
            };
            code = await commands.backup(backup, io);
        } else if (command === "rollback") {
            const { parseLevel } = require("./commands/rollback") as typeof import("./commands/rollback");
            code = await commands.rollback(
                {
                    ...common,
                    level: parseLevel(String(opts.level)),
                    ...(opts.to !== undefined ? { to: opts.to as string } : {}),
                    ...(opts.snapshot !== undefined ? { snapshot: opts.snapshot as string } : {}),
                    ...(opts.reason !== undefined ? { reason: opts.reason as string } : {}),
                    yes: Boolean(opts.yes),
                },
                io,
            );
        } else if (command === "audit") {
            code = await commands.audit({ ...common, ...(opts.since !== undefined ? { since: opts.since as string } : {}) }, io);
        } else if (command === "release") {
            const arg = String(opts.arg);
            const actions: string[] = ["promote", "abort", "retry", "pause", "resume"];
            const action = (actions.includes(arg) ? arg : "start") as ReleaseAction;
            code = await commands.release(
                {
                    ...common,
                    action,
                    ...(action === "start" ? { version: arg } : {}),
                    ...(opts.emergency !== undefined ? { emergency: String(opts.emergency) } : {}),
                    allowDowngrade: Boolean(opts.allowDowngrade),
                    full: Boolean(opts.full),
                    commit: Boolean(opts.commit),
                    dryRunAnalysis: Boolean(opts.dryRunAnalysis),
                },
                io,
            );
        } else if (command === "status") {
            code = await commands.status({ ...common, watch: Boolean(opts.watch) }, io);
        } else {
            code = await commands[command](common, io);
        }
    });
    if (argv.length === 0) {
        program.outputHelp({ error: true });
        return ExitCode.Usage;
    }
    try {
        await program.parseAsync(argv, { from: "user" });
        return code;
    } catch (e) {
        if (e instanceof CommanderError) {
            // --help and --version end with 0; every other parse error is a usage error.
            return e.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
        }
        const exitCode = e instanceof CliError ? e.exitCode : ExitCode.Usage;
        const message = e instanceof Error ? e.message : String(e);
        io.err(`switchyard ${name}: ${message}\n`);
        if (json) {
            io.out(`${JSON.stringify({ ok: false, exitCode, error: message }, null, 2)}\n`);
        }
        return exitCode;
    }
}
