/**
 * ReleaseLedger: remembers in state one colour's version before and after its latest release, and
 * the project commit then; BackupSnapshot records it and retention protects by it. Why a ledger and
 * not the previous stack outputs, and its known limit: docs/decisions.md "Release ledger".
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { runtimeCommand } from "../runtimeCommand";

export interface ReleaseLedgerArgs {
    /** The colour's version (semver string) in this update. */
    version: string;
}

export interface LedgerEntry {
    before: string | null;
    after: string;
    commit: string | null;
}

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
                create: runtimeCommand("ledger.js"),
                update: runtimeCommand("ledger.js"),
                environment: { SWITCHYARD_LEDGER_VERSION: args.version },
                addPreviousOutputInEnv: true,
            },
            { parent: this },
        );
        const entry = record.stdout.apply((stdout) => {
            const e = parseLedger(stdout);
            if (e.after !== args.version) {
                throw new Error(`ReleaseLedger ${name}: the ledger recorded version '${e.after}', expected '${args.version}'`);
            }
            return e;
        });
        this.before = entry.before;
        // The ledger always records the configured version, so `after` is known in a preview even
        // while the command is about to run again (it is ordered after the command through its urn);
        // snapshots triggered by it are then not shown as replaced when only the command changed.
        this.after = record.urn.apply(() => args.version);
        this.commit = entry.commit;
        this.registerOutputs({ before: this.before, after: this.after, commit: this.commit });
    }
}
