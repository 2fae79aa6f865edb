import { Policies } from "@pulumi/policy";
import { appHealthcheckRequired } from "./appHealthcheckRequired";
import { appResourceLimits } from "./appResourceLimits";
import { backupBeforeRelease } from "./backupBeforeRelease";
import { canaryWeightBounds } from "./canaryWeightBounds";
import { deploymentWindow } from "./deploymentWindow";
import { noPlaintextSecrets } from "./noPlaintextSecrets";
import { pinnedImageVersions } from "./pinnedImageVersions";
import { snapshotBucketHardened } from "./snapshotBucketHardened";

/** Every policy of the pack, in the order the engine reports them. */
export const allPolicies: Policies = [
    pinnedImageVersions,
    appHealthcheckRequired,
    appResourceLimits,
    canaryWeightBounds,
    backupBeforeRelease,
    snapshotBucketHardened,
    deploymentWindow,
    noPlaintextSecrets,
];
