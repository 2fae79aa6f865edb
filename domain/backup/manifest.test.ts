import { mkdtempSync, rmSync, writeFileSync, readFileSync, mkdirSync } from "fs";
import { createHash } from "crypto";
import * as os from "os";
import * as path from "path";
import * as fc from "fast-check";
import {
    MANIFEST_FILE,
    SnapshotManifest,
    describeFiles,
    formatProblems,
    isSafeRelativePath,
    parseManifest,
    serializeManifest,
    verifySnapshot,
    kindOf,
} from "./manifest";

const sha = (b: string | Buffer) => createHash("sha256").update(b).digest("hex");

let dir: string;
const files: Record<string, string> = {
    "postgres-app.dump": "PGDMP fake dump bytes\n".repeat(100),
    "release.json": '{"a":1}\n',
    "volume-up.tar": "tarbytes",
};

function baseManifest(
    entries = Object.entries(files).map(([p, c]) => ({ path: p, size: Buffer.byteLength(c), sha256: sha(c) })),
): SnapshotManifest {
    return {
        format: 1,
        snapshotId: "20250101T000000000Z-d1",
        createdAt: "2025-01-01T00:00:00.000Z",
        stack: "local",
        deploymentId: "d1",
        versionsBefore: { blue: "1.0.0", green: null },
        versionsAfter: { blue: "1.0.0", green: "1.1.0" },
        commit: null,
        sources: [
            { kind: "postgres", name: "app", file: "postgres-app.dump", database: "app", via: "host" },
            { kind: "volume", name: "up", file: "volume-up.tar", volume: "app_up" },
            { kind: "metadata", name: "release", file: "release.json" },
        ],
        files: entries,
    };
}

beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), "sy-manifest-"));
    for (const [p, c] of Object.entries(files)) writeFileSync(path.join(dir, p), c);
    writeFileSync(path.join(dir, MANIFEST_FILE), serializeManifest(baseManifest()));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("verifySnapshot", () => {
    test("a good snapshot verifies, with totals and the manifest's own sha256", async () => {
        const r = await verifySnapshot(dir, "20250101T000000000Z-d1");
        expect(r.problems).toEqual([]);
        expect(r.ok).toBe(true);
        expect(r.totalBytes).toBe(Object.values(files).reduce((n, c) => n + Buffer.byteLength(c), 0));
        expect(r.manifestSha256).toBe(sha(readFileSync(path.join(dir, MANIFEST_FILE))));
    });

    test("one flipped byte: sha256 mismatch naming the file and both hashes", async () => {
        const p = path.join(dir, "postgres-app.dump");
        const b = readFileSync(p);
        b[1000] ^= 0x01;
        writeFileSync(p, b);
        const r = await verifySnapshot(dir);
        expect(r.ok).toBe(false);
        expect(r.problems).toEqual([
            { kind: "sha256", path: "postgres-app.dump", expected: sha(files["postgres-app.dump"]), actual: sha(b) },
        ]);
        expect(formatProblems(r.problems)).toBe(`postgres-app.dump: sha256 ${sha(b)}, manifest says ${sha(files["postgres-app.dump"])}`);
    });

    test("missing, extra (also nested) and truncated files are all reported", async () => {
        rmSync(path.join(dir, "volume-up.tar"));
        writeFileSync(path.join(dir, "stray.txt"), "x");
        mkdirSync(path.join(dir, "sub"));
        writeFileSync(path.join(dir, "sub/deep"), "yy");
        writeFileSync(path.join(dir, "release.json"), "{}");
        const r = await verifySnapshot(dir);
        expect(r.problems).toEqual(
            expect.arrayContaining([
                { kind: "missing", path: "volume-up.tar", expectedSize: 8 },
                { kind: "extra", path: "stray.txt", size: 1 },
                { kind: "extra", path: "sub/deep", size: 2 },
                { kind: "size", path: "release.json", expected: 8, actual: 2 },
            ]),
        );
        expect(r.problems).toHaveLength(4);
    });

    test("missing manifest, invalid JSON, invalid field and wrong id", async () => {
        const m = path.join(dir, MANIFEST_FILE);
        writeFileSync(m, serializeManifest(baseManifest()));
        expect((await verifySnapshot(dir, "other")).problems).toEqual([
            { kind: "manifest", path: MANIFEST_FILE, message: "snapshotId is '20250101T000000000Z-d1', expected 'other'" },
        ]);
        writeFileSync(m, "{not json");
        expect(formatProblems((await verifySnapshot(dir)).problems)).toMatch(/^manifest.json: manifest.json is not valid JSON/);
        writeFileSync(m, JSON.stringify({ ...baseManifest(), files: [{ path: "../etc/passwd", size: 1, sha256: "0".repeat(64) }] }));
        expect(formatProblems((await verifySnapshot(dir)).problems)).toMatch(/invalid at 'files.0.path'/);
        rmSync(m);
        expect((await verifySnapshot(dir)).problems).toEqual([{ kind: "manifest", path: MANIFEST_FILE, message: "cannot read: ENOENT" }]);
    });
});

describe("manifest format", () => {
    test("serialization is deterministic and sorts files; parse round-trips", () => {
        const m = baseManifest();
        const reversed = { ...m, files: [...m.files].reverse() };
        expect(serializeManifest(reversed)).toBe(serializeManifest(m));
        expect(parseManifest(serializeManifest(m))).toEqual({ ...m, files: [...m.files].sort((a, b) => a.path.localeCompare(b.path)) });
    });
    test("a source whose file is not listed, a duplicate path, or the manifest listing itself is rejected", () => {
        const m = baseManifest();
        expect(() => serializeManifest({ ...m, files: m.files.filter((f) => f.path !== "volume-up.tar") })).toThrow(
            /source volume 'up' refers to 'volume-up.tar'/,
        );
        expect(() => serializeManifest({ ...m, files: [...m.files, m.files[0]] })).toThrow(/lists 'postgres-app.dump' twice/);
        expect(() => serializeManifest({ ...m, files: [...m.files, { path: MANIFEST_FILE, size: 1, sha256: "a".repeat(64) }] })).toThrow(
            /must not list itself/,
        );
    });
    test("describeFiles hashes what is on disk", async () => {
        expect(await describeFiles(dir, ["release.json"])).toEqual([{ path: "release.json", size: 8, sha256: sha(files["release.json"]) }]);
        await expect(describeFiles(dir, ["../x"])).rejects.toThrow(/unsafe/);
    });
    test.each(["a", "a/b.tar", "postgres-app.dump"])("safe path %s", (p) => expect(isSafeRelativePath(p)).toBe(true));
    test.each(["", "/abs", "../up", "a/../b", "a//b", "./a", "a\\b"])("unsafe path %j", (p) => expect(isSafeRelativePath(p)).toBe(false));

    test("property: any single changed byte in any file is detected", async () => {
        await fc.assert(
            fc.asyncProperty(fc.constantFrom(...Object.keys(files)), fc.nat(), fc.integer({ min: 1, max: 255 }), async (file, at, xor) => {
                const p = path.join(dir, file);
                const orig = readFileSync(p);
                const b = Buffer.from(orig);
                b[at % b.length] ^= xor;
                writeFileSync(p, b);
                const r = await verifySnapshot(dir);
                writeFileSync(p, orig);
                return !r.ok && r.problems.length === 1 && r.problems[0].kind === "sha256" && r.problems[0].path === file;
            }),
            { numRuns: 50 },
        );
    });
});

describe("kindOf", () => {
    test.each<{ name: string; m: Parameters<typeof kindOf>[0]; kind: string }>([
        {
            name: "recorded kind wins",
            m: { kind: "scheduled" as const, versionsBefore: { blue: "1" }, versionsAfter: { blue: "2" } },
            kind: "scheduled",
        },
        {
            name: "old manifest with a version change: pre-deploy",
            m: { versionsBefore: { blue: "1.0.0" }, versionsAfter: { blue: "1.1.0" } },
            kind: "pre-deploy",
        },
        {
            name: "old manifest, colour first deployed: pre-deploy",
            m: { versionsBefore: {}, versionsAfter: { green: "1.0.0" } },
            kind: "pre-deploy",
        },
        {
            name: "old manifest, no change: manual",
            m: { versionsBefore: { blue: "1.0.0" }, versionsAfter: { blue: "1.0.0" } },
            kind: "manual",
        },
        { name: "old manifest, no release: manual", m: { versionsBefore: {}, versionsAfter: {} }, kind: "manual" },
        { name: "null and absent are the same", m: { versionsBefore: { green: null }, versionsAfter: {} }, kind: "manual" },
    ])("$name", ({ m, kind }) => {
        expect(kindOf(m)).toBe(kind);
    });
});
