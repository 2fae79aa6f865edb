/**
 * Preflight of `switchyard release`: every check runs before anything changes, and each failure
 * names the check and the fix. The facts are gathered by the command; the judgement is here, pure.
 */
import * as semver from "semver";
import { decideRelease, DeploymentWindow } from "../../domain/window";
import { parseReleaseVersion } from "../../domain/version";

export interface PreflightCheck {
    readonly check: "lock" | "drift" | "window" | "version" | "image" | "release" | "synthetic";
    readonly ok: boolean;
    readonly message: string;
    /** What to do about a failure. */
    readonly fix?: string;
}

export interface PreflightFacts {
    readonly stack: string;
    /** The lock holder's description when the stack is locked. */
    readonly lock?: string;
    /** Drift items (empty: none); undefined when the check could not run, with why. */
    readonly drift: readonly string[] | { readonly error: string };
    readonly now: Date;
    readonly window: DeploymentWindow;
    readonly emergency?: string;
    readonly requested: string;
    /** The active colour's live version (semver). */
    readonly liveVersion: string;
    readonly allowDowngrade: boolean;
    /** The image of the release, and whether Docker has it or can pull it (the reason when not). */
    readonly image: string;
    readonly imageProblem?: string;
    /** A release of this stack still in progress (phase), when there is one. */
    readonly inProgress?: string;
    readonly syntheticWithoutHeader?: boolean;
}

export function preflight(f: PreflightFacts): PreflightCheck[] {
    const checks: PreflightCheck[] = [];
    const sy = `switchyard release ${f.requested} --stack ${f.stack}`;
    checks.push(
        f.lock
            ? {
                  check: "lock",
                  ok: false,
                  message: `the stack is locked by another update (${f.lock})`,
                  fix: `wait for that update to finish, then run ${sy} again; if no update is running (an interrupted one left its lock), run switchyard recover --stack ${f.stack}`,
              }
            : { check: "lock", ok: true, message: "the stack lock is free" },
    );
    if (f.inProgress) {
        checks.push({
            check: "release",
            ok: false,
            message: `a release of this stack is ${f.inProgress}`,
            fix: `continue it (switchyard release promote|resume --stack ${f.stack}) or end it (switchyard release abort --stack ${f.stack}); switchyard status --stack ${f.stack} shows where it is`,
        });
    }
    if (Array.isArray(f.drift)) {
        checks.push(
            f.drift.length === 0
                ? { check: "drift", ok: true, message: "no drift: the host is what state says" }
                : {
                      check: "drift",
                      ok: false,
                      message: `drift: ${f.drift.join("; ")}`,
                      fix: `heal it first with switchyard up --stack ${f.stack} (switchyard drift --stack ${f.stack} shows it), then release`,
                  },
        );
    } else {
        checks.push({
            check: "drift",
            ok: false,
            message: `the drift check could not run: ${(f.drift as { error: string }).error}`,
            fix: `run switchyard drift --stack ${f.stack} and fix what it reports`,
        });
    }
    const w = decideRelease(f.now, f.window, f.emergency !== undefined ? { reason: f.emergency } : null);
    checks.push(
        w.allowed
            ? { check: "window", ok: true, message: w.message }
            : {
                  check: "window",
                  ok: false,
                  message: w.message,
                  fix: `release inside the window, or pass --emergency "<incident and approver>"`,
              },
    );
    const v = parseReleaseVersion(f.requested);
    if (!v.ok) {
        checks.push({
            check: "version",
            ok: false,
            message: `version ${v.reason}`,
            fix: "pass the semver version of the build, e.g. 1.4.2",
        });
    } else if (semver.eq(v.version.semver, f.liveVersion)) {
        checks.push({
            check: "version",
            ok: false,
            message: `${v.version.semver} is already the live version`,
            fix: "release a newer version; to re-deploy the same one, use switchyard up",
        });
    } else if (semver.lt(v.version.semver, f.liveVersion) && !f.allowDowngrade) {
        checks.push({
            check: "version",
            ok: false,
            message: `${v.version.semver} is older than the live version ${f.liveVersion}`,
            fix: "release a newer version, or pass --allow-downgrade to go back on purpose",
        });
    } else {
        checks.push({ check: "version", ok: true, message: `${v.version.semver} after live ${f.liveVersion}` });
    }
    checks.push(
        f.imageProblem
            ? {
                  check: "image",
                  ok: false,
                  message: `image ${f.image} is neither on the Docker host nor pullable: ${f.imageProblem}`,
                  fix: `build and push ${f.image} (or load it on the host), then release`,
              }
            : { check: "image", ok: true, message: `image ${f.image} is available` },
    );
    if (f.syntheticWithoutHeader) {
        checks.push({
            check: "synthetic",
            ok: false,
            message: "release.synthetic.enabled sends requests to the canary by header, but canary.header is not set",
            fix: "set canary.header (pulumi config set --path canary.header.name X-Switchyard-Canary) or disable release.synthetic",
        });
    }
    return checks;
}

/** One line per check, the failures with their fix. */
export function renderPreflight(checks: readonly PreflightCheck[]): string {
    return checks.map((c) => `preflight ${c.check}: ${c.ok ? "ok" : "FAILED"}: ${c.message}${c.fix ? `. Fix: ${c.fix}` : ""}`).join("\n");
}
