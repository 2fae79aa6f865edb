import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { Color } from "../../domain/color";
import { deploymentId } from "../../domain/deploymentId";
import { ReleaseFacts, StableReleaseFacts } from "../../domain/policyFacts";
import { ReleaseVersion } from "../../domain/version";

export interface ReleaseStampArgs {
    /** Stack name: the first part of the deployment id. */
    stack: string;
    /** The colour this release is for. */
    color: Color;
    /** The colour's release version; a new version makes a new stamp (and deployment id). */
    version: ReleaseVersion;
    /**
     * The colour's version before this update (the stack's last `versions` output), null on the
     * first deployment. Only reported (policy facts), never an input of a child.
     */
    previousVersion: pulumi.Input<string | null>;
}

/**
 * The moment a colour's version was first deployed, kept in state: re-running the same release
 * keeps the stamp and so the deployment id `<stack>-<version>-<YYYYMMDD_HHMMSS>`; a new version
 * replaces the stamp.
 */
export class ReleaseStamp extends pulumi.ComponentResource {
    /** `YYYYMMDD_HHMMSS` (UTC). */
    public readonly stamp: pulumi.Output<string>;
    public readonly deploymentId: pulumi.Output<string>;
    /** The version before this update (null on the first deployment). */
    public readonly previousVersion: pulumi.Output<string | null>;
    /** Whether this update releases a new version of the colour. */
    public readonly versionChanged: pulumi.Output<boolean>;

    constructor(name: string, args: ReleaseStampArgs, opts?: pulumi.ComponentResourceOptions) {
        // Stable facts as inputs; update-relative facts (previous version) only as outputs, so a
        // preview after a release shows no change (domain/policyFacts.ts: the stack policies read outputs).
        const facts: StableReleaseFacts = { color: args.color, version: args.version.semver };
        super("switchyard:release:ReleaseStamp", name, facts, opts);
        const clock = new command.local.Command(
            `${name}-clock`,
            {
                create: "date -u +%Y%m%d_%H%M%S",
                triggers: [args.version.semver],
            },
            { parent: this },
        );
        this.stamp = clock.stdout.apply((s) => s.trim());
        this.deploymentId = this.stamp.apply((s) => deploymentId(args.stack, args.version, s));
        this.previousVersion = pulumi.output(args.previousVersion);
        this.versionChanged = this.previousVersion.apply((p) => p !== args.version.semver);
        const outputFacts: { [K in keyof ReleaseFacts]: pulumi.Input<ReleaseFacts[K]> } = {
            ...facts,
            previousVersion: this.previousVersion,
            versionChanged: this.versionChanged,
        };
        this.registerOutputs({ stamp: this.stamp, deploymentId: this.deploymentId, ...outputFacts });
    }
}
