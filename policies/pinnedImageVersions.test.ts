import { pinnedImageVersions, splitVersionTag } from "./pinnedImageVersions";
import { TYPES } from "./lib";
import { goodStack, messages, runResource, runStack, set, UNKNOWN_VALUE } from "../test/support/policies";

const appImage = (name: unknown) =>
    runResource(pinnedImageVersions, {
        type: TYPES.remoteImage,
        name: "app-green-image",
        parents: [TYPES.stack, TYPES.colorStack],
        props: { name, keepLocally: true },
    });
const routerImage = (name: unknown) =>
    runResource(pinnedImageVersions, {
        type: TYPES.remoteImage,
        name: "router-image",
        parents: [TYPES.stack, "switchyard:routing:RouterContainer"],
        props: { name },
    });

describe("pinned-image-versions: resources", () => {
    test("known-good app image and router image pass", async () => {
        expect(messages(await appImage("registry.example.com/team/app:v1.1.0"))).toEqual([]);
        expect(messages(await appImage("localhost:5000/app:1.1.0_sha.1"))).toEqual([]);
        expect(messages(await routerImage("switchyard/router:local"))).toEqual([]);
    });
    test.each([
        ["registry.example.com/team/app:latest", "uses the floating tag 'latest'"],
        ["registry.example.com/team/app:STABLE", "uses the floating tag 'STABLE'"],
        ["registry.example.com/team/app", "has no tag, so Docker resolves it to ':latest'"],
        ["localhost:5000/app", "has no tag"],
        ["registry.example.com/team/app:main-abc123", "is not a semver release tag"],
        ["registry.example.com/team/app:1.1", "is not a semver release tag"],
    ])("app image %s is refused (%s)", async (name, msg) => {
        const m = messages(await appImage(name));
        expect(m).toHaveLength(1);
        expect(m[0]).toContain(msg);
        expect(m[0]).toMatch(/set colors\.<colour>\.version|use the semver tag/);
    });
    test("router image: floating tag refused, any fixed tag or digest accepted", async () => {
        expect(messages(await routerImage("switchyard/router:latest"))[0]).toContain("floating tag 'latest'");
        expect(messages(await routerImage("switchyard/router"))[0]).toContain("has no tag");
        expect(messages(await routerImage(`switchyard/router@sha256:${"b".repeat(64)}`))).toEqual([]);
    });
    test("unknown image name at preview: nothing to judge, no escape", async () => {
        const o = await appImage(UNKNOWN_VALUE);
        expect(o.violations).toEqual([]);
        expect(o.cannotRunInPreview).toBeUndefined();
    });
    test("containers: image id passes, a floating reference does not", async () => {
        const run = (image: string) =>
            runResource(pinnedImageVersions, {
                type: TYPES.container,
                name: "app-green-1",
                parents: [TYPES.stack, TYPES.colorStack],
                props: { image },
            });
        expect(messages(await run(`sha256:${"c".repeat(64)}`))).toEqual([]);
        expect(messages(await run("registry.example.com/team/app:latest"))[0]).toContain("floating tag");
    });
    test.each([
        ["v1.4.2", { prefix: "v", version: "1.4.2" }],
        ["1.4.2", { prefix: "", version: "1.4.2" }],
        ["release-2.0.0-rc.1", { prefix: "release-", version: "2.0.0-rc.1" }],
        ["1.4.2_sha.5", { prefix: "", version: "1.4.2+sha.5" }],
        ["11.1.0", { prefix: "", version: "11.1.0" }],
        ["latest", undefined],
        ["1.4", undefined],
    ])("splitVersionTag(%s)", (tag, want) => {
        expect(splitVersionTag(tag)).toEqual(want);
    });
});

describe("pinned-image-versions: stack (tag matches the colour's version)", () => {
    test("known-good stack passes", async () => {
        expect(messages(await runStack(pinnedImageVersions, goodStack()))).toEqual([]);
    });
    test("green image still on the old version is refused", async () => {
        const o = await runStack(pinnedImageVersions, set(goodStack(), "app-green-image", "name", "registry.example.com/team/app:v1.0.0"));
        expect(messages(o)).toEqual([
            "app image 'registry.example.com/team/app:v1.0.0' of colour green does not match the colour's version 1.1.0: " +
                "its tag must be [app.tagPrefix]1.1.0. Fix colors.green.version or the image the program builds for it",
        ]);
        expect(o.violations[0].urn).toContain("::app-green-image");
    });
    test("a version whose digits only end the tag does not match (11.1.0 is not 1.1.0)", async () => {
        const o = await runStack(pinnedImageVersions, set(goodStack(), "app-green-image", "name", "registry.example.com/team/app:11.1.0"));
        expect(messages(o)).toHaveLength(1);
    });
    test("ColorStack without the version fact is reported", async () => {
        const o = await runStack(pinnedImageVersions, set(goodStack(), "app-blue", "version", undefined));
        expect(messages(o)).toEqual([expect.stringContaining("ColorStack 'app-blue' must expose the policy fact 'version'")]);
    });
});
