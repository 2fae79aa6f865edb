/**
 * ReleaseLedger: remembers in state one colour's version before and after its latest release, and
 * the project commit then; BackupSnapshot records it and retention protects by it. Why a ledger and
 * not the previous stack outputs, and its known limit: docs/decisions.md "Release ledger".
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";

export interface ReleaseLedgerArgs {
    /** The colour's version (semver string) in this update. */
    version: string;
    /** Node binary. @default "node" (from PATH) */
    node?: string;
}

export interface LedgerEntry {
    before: string | null;
    after: string;
    commit: string | null;
}

/**
 * The ledger script (run with `node -e`). Pure function of PULUMI_COMMAND_STDOUT and
 * SWITCHYARD_LEDGER_VERSION; the commit comes from `git rev-parse HEAD` in the project directory.
 */
export const LEDGER_SCRIPT = [
    "const v = process.env.SWITCHYARD_LEDGER_VERSION;",
    "let prev = null;",
    "try { prev = JSON.parse(process.env.PULUMI_COMMAND_STDOUT || 'null'); } catch (e) { prev = null; }",
    "if (prev && prev.after === v) { process.stdout.write(JSON.stringify(prev)); process.exit(0); }",
    "let commit = null;",
    "try { commit = require('child_process').execFileSync('git', ['rev-parse', 'HEAD'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim() || null; } catch (e) { commit = null; }",
    "process.stdout.write(JSON.stringify({ before: prev && typeof prev.after === 'string' ? prev.after : null, after: v, commit }));",
].join("\n");

/** Parses the ledger's stdout; throws a clear message on anything else. */
export function parseLedger(stdout: string): LedgerEntry {
    let v: Partial<LedgerEntry>;
    try {
        v = JSON.parse(stdout.trim());
    } catch {
        throw new Error(`release ledger printed no JSON (got ${JSON.stringify(stdout.slice(0, 200))})`);
    }
    if (
        typeof v.after !== "string" ||
        !(v.before === null || typeof v.before === "string") ||
        !(v.commit === null || typeof v.commit === "string")
    ) {
        throw new Error(`release ledger output is missing fields: ${JSON.stringify(v)}`);
    }
    return { before: v.before, after: v.after, commit: v.commit };
}

export class ReleaseLedger extends pulumi.ComponentResource {
    /** Version before this colour's latest release (null: first deployment). */
    public readonly before: pulumi.Output<string | null>;
    /** Version after it (the configured version). */
    public readonly after: pulumi.Output<string>;
    /** `git rev-parse HEAD` of the project when the release was first applied (null: not a git checkout or no commit). */
    public readonly commit: pulumi.Output<string | null>;

    constructor(name: string, args: ReleaseLedgerArgs, opts?: pulumi.ComponentResourceOptions) {
        if (!/^\S+$/.test(args.version)) {
            throw new Error(`ReleaseLedger ${name}: version '${args.version}' must be a non-empty version string without spaces`);
        }
        super("switchyard:backup:ReleaseLedger", name, {}, opts);
        const record = new command.local.Command(
            `${name}-record`,
            {
                interpreter: [args.node ?? "node", "-e"],
                create: LEDGER_SCRIPT,
                update: LEDGER_SCRIPT,
                environment: { SWITCHYARD_LEDGER_VERSION: args.version },
                addPreviousOutputInEnv: true,
            },
            { parent: this },
        );
        const entry = record.stdout.apply(parseLedger);
        this.before = entry.before;
        this.after = entry.after;
        this.commit = entry.commit;
        this.registerOutputs({ before: this.before, after: this.after, commit: this.commit });
    }
}
