import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { deploymentId } from "./deploymentId";
import { ReleaseVersion } from "./version";

export interface ReleaseStampArgs {
    /** Stack name: the first part of the deployment id. */
    stack: string;
    /** The colour's release version; a new version makes a new stamp (and deployment id). */
    version: ReleaseVersion;
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

    constructor(name: string, args: ReleaseStampArgs, opts?: pulumi.ComponentResourceOptions) {
        super("switchyard:release:ReleaseStamp", name, {}, opts);
        const clock = new command.local.Command(`${name}-clock`, {
            create: "date -u +%Y%m%d_%H%M%S",
            triggers: [args.version.semver],
        }, { parent: this });
        this.stamp = clock.stdout.apply((s) => s.trim());
        this.deploymentId = this.stamp.apply((s) => deploymentId(args.stack, args.version, s));
        this.registerOutputs({ stamp: this.stamp, deploymentId: this.deploymentId });
    }
}
