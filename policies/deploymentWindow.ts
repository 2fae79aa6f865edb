import { ReportViolation, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import { decideRelease, parseWindow } from "../domain/window";
import { OVERRIDE_OUTPUT, releaseFacts, stackOverride, withFacts } from "./facts";
import { ofType, TYPES, UNKNOWN } from "./lib";

export interface DeploymentWindowConfig {
    /** Weekdays the window opens (mon..sun). @default ["tue", "wed", "thu"] */
    days?: string[];
    /** Local opening time HH:MM. @default "10:00" */
    start?: string;
    /** Local closing time HH:MM (exclusive). @default "14:00" */
    end?: string;
    /** IANA time zone. @default "UTC" */
    timeZone?: string;
    /** How the message tells people to declare an override (the program's config key). */
    overrideHint?: string;
}

export const DEFAULT_OVERRIDE_HINT =
    "pulumi config set --path 'deploymentWindow.override.reason' '<incident and approver>' (exported as stack output deploymentWindowOverride)";

/**
 * The deployment-window policy with an injectable clock (tests pass a fixed one). A release is an
 * update that changes a colour's version (ReleaseStamp fact versionChanged); flips, weight changes and
 * rollbacks that do not change a version are not held back.
 */
export function makeDeploymentWindow(now: () => Date): StackValidationPolicy {
    return {
        name: "deployment-window",
        description:
            "Releases (a colour's version changes, not its first deployment) go out only inside the deployment window (default Tue-Thu 10:00-14:00 UTC); outside it only with an emergency override whose reason is in the stack outputs.",
        remediationSteps:
            "Wait for the window, or set an emergency override with a reason; the program exports it as stack output deploymentWindowOverride for audit.",
        severity: "high",
        configSchema: {
            properties: {
                days: { type: "array", items: { type: "string" }, minItems: 1, default: ["tue", "wed", "thu"] },
                start: { type: "string", pattern: "^([01][0-9]|2[0-3]):[0-5][0-9]$", default: "10:00" },
                end: { type: "string", pattern: "^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$", default: "14:00" },
                timeZone: { type: "string", default: "UTC" },
                overrideHint: { type: "string" },
            },
        },
        validateStack: (args: StackValidationArgs, report: ReportViolation) => {
            const { overrideHint, ...raw } = args.getConfig<DeploymentWindowConfig>();
            const parsed = parseWindow(raw);
            if (!parsed.ok) {
                report(`the deployment-window policy config is invalid: ${parsed.errors.join("; ")}. Fix policies/config/<stack>.json`);
                return;
            }
            const releases = withFacts(
                args.resources,
                TYPES.releaseStamp,
                releaseFacts,
                report,
                "without it the deployment window cannot tell whether this update is a release",
            )
                .map((r) => r.facts)
                // A colour's first deployment (no previous version) replaces nothing that serves: not a release.
                .filter((f) => f.versionChanged && f.previousVersion !== null);
            if (releases.length === 0) {
                return;
            }
            const stack = ofType(args.resources, TYPES.stack)[0];
            const override = stack ? stackOverride(stack.props) : undefined;
            const decision = decideRelease(now(), parsed.window, override === UNKNOWN ? null : (override ?? null));
            if (decision.allowed) {
                return;
            }
            const what = releases.map((r) => `${r.color} ${r.previousVersion ?? "(new)"} -> ${r.version}`).join(", ");
            const unknownNote =
                override === UNKNOWN ? ` (stack output ${OVERRIDE_OUTPUT} is not known at preview; it must be a plain value)` : "";
            report(`release ${what}: ${decision.message}${unknownNote}: ${overrideHint ?? DEFAULT_OVERRIDE_HINT}`);
        },
    };
}

export const deploymentWindow: StackValidationPolicy = makeDeploymentWindow(() => new Date());
