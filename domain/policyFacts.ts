/**
 * The policy-facts contract: plain values, known at preview, that components publish so the policy
 * pack can judge a release before anything changes. A component passes its facts as its inputs
 * (`super(type, name, facts, opts)`, seen by resource policies) and in `registerOutputs` (seen by
 * stack policies). policies/facts.ts reads them back, unknown-aware; policies/README.md#contract.
 */
import { Color } from "./color";

/** `switchyard:routing:CanaryRouter` "routing". */
export interface CanaryRouterFacts {
    readonly activeColor: Color;
    /** Share of the canary (non-active) colour in permille, 0..1000. */
    readonly canaryPermille: number;
    /** Percent of traffic per colour, as the router applies it. */
    readonly weights: Record<Color, number>;
}

/** `switchyard:release:ReleaseStamp` "release-<colour>". */
export interface ReleaseFacts {
    readonly color: Color;
    /** The colour's semver after this update. */
    readonly version: string;
    /** Version before this update; null on the first deployment. */
    readonly previousVersion: string | null;
    /** True when this update changes the colour's version (a release of that colour). */
    readonly versionChanged: boolean;
}

/** ReleaseFacts that do not depend on the previous update: a ReleaseStamp's inputs. */
export type StableReleaseFacts = Pick<ReleaseFacts, "color" | "version">;

/** `switchyard:app:ColorStack` "app-<colour>". */
export interface ColorStackFacts {
    readonly color: Color;
    readonly version: string;
    /** Names of env vars passed to the containers as plain text (sorted). */
    readonly plainEnvNames: readonly string[];
    /** Names of env vars passed to the containers as Pulumi secrets (sorted). */
    readonly secretEnvNames: readonly string[];
}

/** `switchyard:backup:BackupSnapshot` "backup-<colour>". */
export interface BackupFacts {
    /** The colour whose containers wait for the snapshot. */
    readonly color: Color;
    /** The release version this snapshot is taken for (the colour's version after the update). */
    readonly version: string;
}

/** Stack output holding the emergency override of the deployment window, for audit. */
export const OVERRIDE_OUTPUT = "deploymentWindowOverride";
