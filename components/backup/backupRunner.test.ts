import * as fs from "fs";
import * as path from "path";
import { HOST_GATEWAY_NAME, runnerCodeFiles, runnerDatabaseUrl } from "./backupRunner";

describe("runnerDatabaseUrl", () => {
    test.each([
        ["postgres://u:p@127.0.0.1:5432/db", `postgres://u:p@${HOST_GATEWAY_NAME}:5432/db`],
        ["postgres://u:p@localhost/db", `postgres://u:p@${HOST_GATEWAY_NAME}/db`],
        ["postgresql://localhost:5433/db?sslmode=disable", `postgresql://${HOST_GATEWAY_NAME}:5433/db?sslmode=disable`],
        ["mysql://u:p@[::1]:3306/shop", `mysql://u:p@${HOST_GATEWAY_NAME}:3306/shop`],
        ["postgres://u:p@db:5432/app", "postgres://u:p@db:5432/app"],
        ["postgres://u:p@127.0.0.10:5432/app", "postgres://u:p@127.0.0.10:5432/app"],
        ["postgres://u:p@localhost.example.com/app", "postgres://u:p@localhost.example.com/app"],
        // a password that looks like a host is not touched
        ["postgres://u:localhost@db/app", "postgres://u:localhost@db/app"],
    ])("%s -> %s", (url, want) => {
        expect(runnerDatabaseUrl(url)).toBe(want);
    });
});

describe("runnerCodeFiles", () => {
    test("the tool's entry points, every non-test source of runtime/backup and domain/backup, and the TS loader; all exist", () => {
        const files = runnerCodeFiles();
        const root = path.resolve(__dirname, "../..");
        for (const f of files) expect(fs.existsSync(path.join(root, f))).toBe(true);
        expect(files).toEqual(
            expect.arrayContaining(["tools/ts-hook.js", "runtime/backup.js", "runtime/backup-runner.js", "runtime/backup/tool.ts"]),
        );
        expect(files.filter((f) => f.endsWith(".test.ts"))).toEqual([]);
        const want = (dir: string) =>
            fs.readdirSync(path.join(root, dir)).filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts")).length;
        expect(files.filter((f) => /^(runtime|domain)\/backup\/[^/]+\.ts$/.test(f))).toHaveLength(
            want("runtime/backup") + want("domain/backup"),
        );
    });

    test("every relative import of those files is among them (the uploaded tree is complete)", () => {
        const files = new Set(runnerCodeFiles());
        const root = path.resolve(__dirname, "../..");
        for (const f of files) {
            const text = fs.readFileSync(path.join(root, f), "utf8");
            for (const m of text.matchAll(/(?:from |require\()"(\.{1,2}\/[^"]+)"/g)) {
                const base = path.posix.normalize(path.posix.join(path.posix.dirname(f), m[1]));
                const found = [base, `${base}.ts`, `${base}.js`].some((c) => files.has(c));
                expect({ file: f, imports: m[1], found }).toEqual({ file: f, imports: m[1], found: true });
            }
        }
    });
});
