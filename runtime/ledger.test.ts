/**
 * runtime/ledger.js run for real with node, given the previous stdout as the command provider
 * gives it (PULUMI_COMMAND_STDOUT).
 */
import { spawnSync } from "child_process";
import * as os from "os";
import * as path from "path";
import { parseLedger } from "../components/backup/releaseLedger";

const LEDGER = path.join(__dirname, "ledger.js");

function ledger(version: string, previous?: string, cwd = os.tmpdir()): string {
    const r = spawnSync(process.execPath, [LEDGER], {
        env: {
            PATH: process.env.PATH,
            SWITCHYARD_LEDGER_VERSION: version,
            ...(previous !== undefined ? { PULUMI_COMMAND_STDOUT: previous } : {}),
        },
        cwd,
        encoding: "utf8",
    });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    return r.stdout;
}

describe("release ledger (runtime/ledger.js)", () => {
    test("first run: no version before", () => {
        expect(parseLedger(ledger("1.0.0"))).toEqual({ before: null, after: "1.0.0", commit: null });
    });
    test("same version: the previous entry, byte for byte (no change downstream)", () => {
        const prev = JSON.stringify({ before: "0.9.0", after: "1.0.0", commit: "abc" });
        expect(ledger("1.0.0", prev)).toBe(prev);
    });
    test("new version: before is the previous after", () => {
        const prev = JSON.stringify({ before: "0.9.0", after: "1.0.0", commit: null });
        expect(parseLedger(ledger("1.1.0", prev))).toEqual({ before: "1.0.0", after: "1.1.0", commit: null });
    });
    test("unreadable previous output: treated as a first run", () => {
        expect(parseLedger(ledger("2.0.0", "garbage"))).toEqual({ before: null, after: "2.0.0", commit: null });
    });
    test("in a git checkout: the commit is HEAD", () => {
        const head = spawnSync("git", ["rev-parse", "HEAD"], { cwd: __dirname, encoding: "utf8" });
        if (head.status !== 0) {
            return; // not a git checkout: the other tests cover commit null
        }
        expect(parseLedger(ledger("1.0.0", undefined, __dirname)).commit).toBe(head.stdout.trim());
    });
    // Entries as the earlier `node -e` ledger printed them: a stack upgraded to this file
    // runs the command once more, and the entry must not change.
    test.each([
        ['{"before":null,"after":"1.0.0","commit":null}', "1.0.0"],
        ['{"before":"1.0.0","after":"1.1.0","commit":"c219172e1b5f0c4e53b2f8d0e6f4a9b1c2d3e4f5"}', "1.1.0"],
    ])("upgrade: the earlier script's entry %s is kept for the same version", (prev, version) => {
        expect(ledger(version, prev, __dirname)).toBe(prev);
    });
    test("parseLedger rejects anything else", () => {
        expect(() => parseLedger("nope")).toThrow(/printed no JSON/);
        expect(() => parseLedger('{"before":null}')).toThrow(/missing fields/);
    });
});
