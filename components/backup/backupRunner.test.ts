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

describe("the program with backup.schedule", () => {
    const { baseConfig, runProgram, SECRET_SIG } = require("../../test/support/program") as typeof import("../../test/support/program");
    const withBackup = (schedule?: object) => {
        const c = baseConfig();
        c.backup = {
            target: { type: "local", root: "/var/backups/sy" },
            postgres: [{ name: "app" }],
            ...(schedule ? { schedule } : {}),
        };
        c.backupSecrets = { app: "postgres://app:pw@127.0.0.1:5432/app" };
        return c;
    };
    const CONTAINER = "docker:index/container:Container";
    const runners = (r: Awaited<ReturnType<typeof runProgram>>) => r.byType(CONTAINER).filter((x) => x.name === "backup-runner");

    test("one runner container: restarts with the daemon, the schedule in its env, config uploaded as a secret, same code as the repo", async () => {
        const r = await runProgram(withBackup({ cron: "*/5 * * * *", keepLast: 4 }), { secretKeys: ["secretEnv", "backupSecrets"] });
        expect(runners(r)).toHaveLength(1);
        expect(r.byType("switchyard:backup:BackupRunner")).toHaveLength(1);
        const c = r.one(CONTAINER, "backup-runner");
        expect(c.inputs.name).toBe("local-backup-runner");
        expect(c.inputs.image).toBe("switchyard/backup-runner:local");
        expect(c.inputs.restart).toBe("unless-stopped");
        expect(c.inputs.envs).toEqual(["SWITCHYARD_BACKUP_CRON=*/5 * * * *", "SWITCHYARD_STACK=local"]);
        expect(c.deleteBeforeReplace).toBe(true);
        const uploads = c.rawInputs.uploads as { file: string; content: unknown }[];
        const config = uploads.find((u) => u.file === "/etc/switchyard/backup.json")!;
        expect((config.content as Record<string, unknown>)[SECRET_SIG]).toBeDefined();
        const cfg = JSON.parse(
            (c.inputs.uploads as { file: string; content: string }[]).find((u) => u.file === "/etc/switchyard/backup.json")!.content,
        );
        expect(cfg.kind).toBe("scheduled");
        expect(cfg.scheduledRetention).toEqual({ keepLast: 4 });
        expect(cfg.postgres).toEqual([{ name: "app", url: `postgres://app:pw@${HOST_GATEWAY_NAME}:5432/app` }]);
        const root = path.resolve(__dirname, "../..");
        for (const f of runnerCodeFiles()) {
            const u = uploads.find((x) => x.file === `/opt/switchyard/${f}`);
            expect(u?.content).toBe(fs.readFileSync(path.join(root, f), "utf8"));
        }
        expect(c.inputs.volumes).toEqual(expect.arrayContaining([{ hostPath: "/var/backups/sy", containerPath: "/var/backups/sy" }]));
        expect(r.outputs.backupRunnerContainer).toBe("local-backup-runner");
    });

    test("no schedule: no runner", async () => {
        const r = await runProgram(withBackup(), { secretKeys: ["secretEnv", "backupSecrets"] });
        expect(runners(r)).toHaveLength(0);
        expect(r.byType("switchyard:backup:BackupRunner")).toHaveLength(0);
        expect(r.outputs.backupRunnerContainer).toBeNull();
    });

    test("a volume source with a schedule is refused with the reason and the fix", async () => {
        const c = withBackup({ cron: "0 3 * * *" });
        (c.backup as Record<string, unknown>).volumes = [{ name: "uploads", volume: "app_uploads" }];
        await expect(runProgram(c, { secretKeys: ["secretEnv", "backupSecrets"] })).rejects.toThrow(
            /backup\.volumes 'uploads' need the Docker daemon, which the scheduled runner has no access to/,
        );
    });
});
