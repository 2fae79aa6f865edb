import { COLORS, isColor, otherColor, perColor } from "./color";

describe("colours", () => {
    test.each([
        ["blue", true],
        ["green", true],
        ["Blue", false],
        ["", false],
        [undefined, false],
        [1, false],
    ])("isColor(%j) is %s", (v, want) => {
        expect(isColor(v)).toBe(want);
    });

    test("the other colour of each colour is the remaining one", () => {
        for (const c of COLORS) {
            expect(otherColor(c)).not.toBe(c);
            expect(otherColor(otherColor(c))).toBe(c);
        }
    });

    test("perColor makes one value per colour", () => {
        expect(perColor((c) => c.length)).toEqual({ blue: 4, green: 5 });
    });
});
