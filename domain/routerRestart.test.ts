import { routerRestartRefusal } from "./routerRestart";

const A = "sha256:aaaaaaaaaaaaaaaa";
const B = "sha256:bbbbbbbbbbbbbbbb";

describe("routerRestartRefusal", () => {
    test.each([
        ["first deployment", undefined, { image: "r:1", imageId: A }, false],
        ["outputs without the router image (older stack)", {}, { image: "r:2", imageId: B }, false],
        ["same image", { image: "r:1", imageId: A }, { image: "r:1", imageId: A }, false],
        ["same tag, id not known yet (preview of a pull)", { image: "r:1", imageId: A }, { image: "r:1" }, false],
        ["new tag, allowed", { image: "r:1", imageId: A }, { image: "r:2" }, true],
        ["rebuilt, allowed", { image: "r:1", imageId: A }, { image: "r:1", imageId: B }, true],
    ])("%s: no refusal", (_what, previous, next, allowed) => {
        expect(routerRestartRefusal(previous, next, allowed)).toBeUndefined();
    });

    test("a new tag is refused, naming both and the way to do it", () => {
        expect(routerRestartRefusal({ image: "r:1", imageId: A }, { image: "r:2" }, false)).toBe(
            "switchyard: router.image changes from r:1 to r:2; that replaces the router container, which answers nothing for about 1.5 s " +
                '(README "Router image changes"). Nothing was changed. To do it now: pulumi config set --path router.allowRestart true && ' +
                "pulumi up --refresh, then pulumi config rm --path router.allowRestart",
        );
    });

    test("the same tag rebuilt is refused, naming both ids", () => {
        expect(routerRestartRefusal({ image: "r:1", imageId: A }, { image: "r:1", imageId: B }, false)).toMatch(
            /^switchyard: the router image r:1 was rebuilt \(aaaaaaaaaaaa -> bbbbbbbbbbbb\); that replaces the router container/,
        );
    });
});
