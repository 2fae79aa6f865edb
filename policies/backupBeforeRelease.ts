import { PolicyResource, ReportViolation, StackValidationPolicy } from "@pulumi/policy";
import { backupFacts, releaseFacts, withFacts } from "./facts";
import { Color } from "../domain/color";
import { ancestors, colorOf, ofType, ofTypeOrNotApplicable, TYPES } from "./lib";

/** BackupSnapshot components a resource depends on (directly, or on one of their children). */
export function snapshotsDependedOn(r: PolicyResource): PolicyResource[] {
    const found = new Map<string, PolicyResource>();
    for (const d of r.dependencies) {
        for (const x of [d, ...ancestors(d)]) {
            if (x.type === TYPES.backupSnapshot) {
                found.set(x.urn, x);
            }
        }
    }
    return [...found.values()];
}

/** App containers of a colour: Containers under the ColorStack of that colour. */
export function appContainers(resources: PolicyResource[], color: Color): PolicyResource[] {
    return ofType(resources, TYPES.container).filter((k) =>
        ancestors(k).some((a) => a.type === TYPES.colorStack && colorOf(a, "app") === color),
    );
}

export const backupBeforeRelease: StackValidationPolicy = {
    name: "backup-before-release",
    description:
        "Every colour whose version changes in this update (not its first deployment) has all its app containers depend on a BackupSnapshot taken for that colour and release.",
    remediationSteps:
        "Create BackupSnapshot backup-<colour> for the release and pass it to ColorStack app-<colour> (args.after) so its containers dependsOn it.",
    severity: "high",
    validateStack: (args, report: ReportViolation) => {
        const stamps = ofTypeOrNotApplicable(args, TYPES.releaseStamp, "the stack has no ReleaseStamp (no releases to check)");
        // A colour's first deployment (no previous version) replaces no release: there is nothing of it to back up.
        const releases = withFacts(stamps, TYPES.releaseStamp, releaseFacts, report).filter(
            (r) => r.facts.versionChanged && r.facts.previousVersion !== null,
        );
        for (const { resource: stamp, facts } of releases) {
            const { color, version, previousVersion } = facts;
            const what = `release of ${color} ${previousVersion ?? "(new)"} -> ${version}`;
            const containers = appContainers(args.resources, color);
            if (containers.length === 0) {
                report(
                    `${what}: no app containers of ${color} found under ColorStack app-${color}; the backup rule cannot be checked`,
                    stamp.urn,
                );
                continue;
            }
            for (const k of containers) {
                const snaps = snapshotsDependedOn(k);
                if (snaps.length === 0) {
                    report(
                        `${what}: container ${k.name} does not depend on a BackupSnapshot, so it could change before the data is saved; ` +
                            `create BackupSnapshot backup-${color} for ${version} and make the ${color} containers dependsOn it (ColorStack args.after)`,
                        k.urn,
                    );
                    continue;
                }
                const problems: string[] = [];
                const ok = snaps.some((s) => {
                    const bf = backupFacts(s.props, `BackupSnapshot '${s.name}'`);
                    if (!bf.ok) {
                        problems.push(bf.problem);
                        return false;
                    }
                    if (bf.facts.color !== color || bf.facts.version !== version) {
                        problems.push(
                            `BackupSnapshot '${s.name}' was taken for ${bf.facts.color} ${bf.facts.version}, not for this release (${color} ${version})`,
                        );
                        return false;
                    }
                    return true;
                });
                if (!ok) {
                    report(
                        `${what}: container ${k.name} depends on no BackupSnapshot taken for this release: ${problems.join("; ")}. ` +
                            `Make it dependsOn BackupSnapshot backup-${color} for ${color} ${version}`,
                        k.urn,
                    );
                }
            }
        }
    },
};
