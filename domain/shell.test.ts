import { execFileSync } from "child_process";
import { shellQuote } from "./shell";

describe("shellQuote", () => {
    test.each([["plain"], [""], ["two words"], ["it's"], ["'; rm -rf / #"], ['$HOME "x" `id` \\n']])("sh reads %j back unchanged", (s) => {
        expect(execFileSync("sh", ["-c", `printf '%s' ${shellQuote(s)}`]).toString()).toBe(s);
    });
});
