import fc from "fast-check";
import { MASK, scrubber, secretForms, stringLeaves } from "./scrub";

describe("scrubber", () => {
    test.each([
        ["a value", ["hunter22"], "password hunter22 rejected", `password ${MASK} rejected`],
        ["every occurrence", ["abc123"], "abc123/abc123", `${MASK}/${MASK}`],
        ["the longest first", ["pass", "password1"], "password1", MASK],
        ["URL-encoded", ["p@ss/w rd"], "got p%40ss%2Fw%20rd", `got ${MASK}`],
        ["a URL's password alone", ["postgres://app:pw-hunter2@db/app"], "auth failed for pw-hunter2", `auth failed for ${MASK}`],
        ["a URL's decoded password", ["postgres://app:pw%40x1@db/app"], "pw@x1", MASK],
        ["too short to mask", ["ab"], "ab cd", "ab cd"],
        ["no secrets", [], "text", "text"],
    ])("masks %s", (_what, secrets, text, expected) => {
        expect(scrubber(secrets)(text)).toBe(expected);
    });

    test("no secret of length >= 3 survives, wherever it is put", () => {
        fc.assert(
            fc.property(fc.string({ minLength: 3, maxLength: 20 }), fc.string(), fc.string(), (secret, before, after) => {
                fc.pre(!secret.includes("\u0000"));
                // The text between masks (a secret may share letters with the mask itself).
                const outside = scrubber([secret])(before + secret + after)
                    .split(MASK)
                    .join("\u0000");
                expect(outside).not.toContain(secret);
            }),
        );
    });

    test("secretForms keeps the value first", () => {
        expect(secretForms("x://u:p1@h")[0]).toBe("x://u:p1@h");
    });

    test("stringLeaves walks objects and lists", () => {
        expect(stringLeaves({ a: "x", b: ["y", { c: 5 }], d: null })).toEqual(["x", "y", "5"]);
    });
});
