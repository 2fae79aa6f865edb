import { ReportViolation, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import * as semver from "semver";
import { FLOATING_TAGS, semverTag } from "../domain/version";
import { colorStackFacts, withFacts } from "./facts";
import { childrenOf, isUnder, parseImageRef, peek, TYPES, UNKNOWN } from "./lib";

/** Splits an app image tag into its prefix and semver part (`v1.4.2_sha.1` -> `v`, `1.4.2+sha.1`). */
export function splitVersionTag(tag: string): { prefix: string; version: string } | undefined {
    const m = /^([A-Za-z0-9_.-]*?)(\d+\.\d+\.\d+(?:[-_][0-9A-Za-z_.-]*)?)$/.exec(tag);
    if (!m || /[0-9.]$/.test(m[1])) {
        return undefined;
    }
    // Docker tags write semver build metadata `+` as `_`; a `_` before that is part of a prerelease.
    const body = m[2];
    const candidates = [body, ...[...body.matchAll(/_/g)].map((u) => `${body.slice(0, u.index)}+${body.slice((u.index ?? 0) + 1)}`)];
    const version = candidates.find((c) => semver.valid(c) === c.replace(/\+.*$/, "") && semver.parse(c) !== null);
    return version ? { prefix: m[1], version } : undefined;
}

/** Problems with an image reference; `app` adds the semver rule for app images. */
export function imageRefProblems(ref: string, app: boolean): string[] {
    const r = parseImageRef(ref);
    if (!r.tag) {
        return r.digest && !app
            ? []
            : [
                  `image '${ref}' has no tag, so Docker resolves it to ':latest'; pin it with an explicit version tag` +
                      (app
                          ? " derived from the colour's version (set colors.<colour>.version, the tag is app.tagPrefix + version)"
                          : " (e.g. repo:1.4.2)"),
              ];
    }
    if (FLOATING_TAGS.has(r.tag.toLowerCase())) {
        return [
            `image '${ref}' uses the floating tag '${r.tag}', which can change under a running stack; ` +
                `use the semver tag of the release instead (e.g. ${r.repository}:1.4.2)`,
        ];
    }
    if (app && !splitVersionTag(r.tag)) {
        return [
            `app image '${ref}' has tag '${r.tag}', which is not a semver release tag ([prefix]MAJOR.MINOR.PATCH); ` +
                "set colors.<colour>.version to the build's semver: the program derives the tag from it",
        ];
    }
    return [];
}

export const pinnedImageVersions: ResourceValidationPolicy & StackValidationPolicy = {
    name: "pinned-image-versions",
    description:
        "Images are pinned: no untagged or floating (latest, stable...) tags; each colour's app image uses the semver tag of that colour's version.",
    remediationSteps:
        "Set colors.<colour>.version to the build's semver (e.g. 1.4.2); the program derives the image tag (app.tagPrefix + version). Give the router and other images an explicit version tag.",
    severity: "high",
    validateResource: (args, report) => {
        if (args.type === TYPES.remoteImage) {
            const name = peek(() => args.props.name as unknown);
            if (typeof name === "string") {
                imageRefProblems(name, isUnder(args.urn, TYPES.colorStack)).forEach((p) => report(p));
            }
        } else if (args.type === TYPES.container) {
            const image = peek(() => args.props.image as unknown);
            // Containers normally get the image id (sha256:...), which is pinned by definition.
            if (typeof image === "string" && !/^sha256:[0-9a-f]{64}$/.test(image)) {
                imageRefProblems(image, isUnder(args.urn, TYPES.colorStack)).forEach((p) => report(p));
            }
        }
    },
    validateStack: (args, report: ReportViolation) => {
        for (const { resource: stack, facts } of withFacts(args.resources, TYPES.colorStack, colorStackFacts, report)) {
            const want = semverTag(facts.version);
            for (const img of childrenOf(args.resources, stack, TYPES.remoteImage)) {
                const name = peek(() => img.props.name as unknown);
                if (name === UNKNOWN || typeof name !== "string") {
                    continue;
                }
                const tag = parseImageRef(name).tag ?? "";
                const split = splitVersionTag(tag);
                if (!split || semverTag(split.version) !== want) {
                    report(
                        `app image '${name}' of colour ${facts.color} does not match the colour's version ${facts.version}: ` +
                            `its tag must be [app.tagPrefix]${want}. Fix colors.${facts.color}.version or the image the program builds for it`,
                        img.urn,
                    );
                }
            }
        }
    },
};
