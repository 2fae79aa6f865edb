import * as fs from "fs";
import * as path from "path";
import { HOST_GATEWAY_NAME, relativeImports, runnerCodeFiles, runnerDatabaseUrl } from "./backupRunner";

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
            for (const imported of relativeImports(text)) {
                const base = path.posix.normalize(path.posix.join(path.posix.dirname(f), imported));
                const found = [base, `${base}.ts`, `${base}.js`].some((c) => files.has(c));
                expect({ file: f, imports: imported, found }).toEqual({ file: f, imports: imported, found: true });
            }
        }
    });

    test("the notifier the runner sends failures with is uploaded; modules it only takes types from are not", () => {
        const files = runnerCodeFiles();
        expect(files).toEqual(expect.arrayContaining(["tools/lib/notify.ts", "domain/notificationText.ts"]));
        expect(files.filter((f) => f.startsWith("config/") || f === "domain/releaseEvent.ts")).toEqual([]);
    });
});

describe("relativeImports", () => {
    test.each([
        ['import { a } from "./a";', ["./a"]],
        ['const x = require("../x");', ["../x"]],
        ['export * from "./all";', ["./all"]],
        ['import type { T } from "./types";', []],
        ['import type {\n    A,\n    B,\n} from "../../config/notifications";\nimport { c } from "./c";', ["./c"]],
        ['import { type T, v } from "./mixed";', ["./mixed"]],
        ['import * as fs from "fs";', []],
    ])("%j -> %j", (text, want) => {
        expect(relativeImports(text)).toEqual(want);
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

    const COMMAND = "command:local:Command";
    const SECRET_KEYS = ["secretEnv", "backupSecrets", "notificationSecrets"];
    const installedSettings = (r: Awaited<ReturnType<typeof runProgram>>) =>
        JSON.parse((r.one(COMMAND, "backup-runner-install").inputs.environment as Record<string, string>).SY_RUNNER_SETTINGS);

    test("one runner container: restarts with the daemon, only the repo's code uploaded, nothing secret or scheduled in its inputs", async () => {
        const r = await runProgram(withBackup({ cron: "*/5 * * * *", keepLast: 4 }), { secretKeys: SECRET_KEYS });
        expect(runners(r)).toHaveLength(1);
        expect(r.byType("switchyard:backup:BackupRunner")).toHaveLength(1);
        const c = r.one(CONTAINER, "backup-runner");
        expect(c.inputs.name).toBe("local-backup-runner");
        expect(c.inputs.image).toBe("switchyard/backup-runner:local");
        expect(c.inputs.restart).toBe("unless-stopped");
        expect(c.inputs.envs).toEqual(["SWITCHYARD_STACK=local"]);
        expect(c.deleteBeforeReplace).toBe(true);
        const uploads = c.rawInputs.uploads as { file: string; content: unknown }[];
        const root = path.resolve(__dirname, "../..");
        expect(uploads.map((u) => u.file)).toEqual(runnerCodeFiles().map((f) => `/opt/switchyard/${f}`));
        for (const u of uploads) {
            expect(u.content).toBe(fs.readFileSync(path.join(root, u.file.slice("/opt/switchyard/".length)), "utf8"));
        }
        expect(JSON.stringify(c.rawInputs)).not.toContain("pw@");
        expect(c.inputs.volumes).toEqual(expect.arrayContaining([{ hostPath: "/var/backups/sy", containerPath: "/var/backups/sy" }]));
        expect(r.outputs.backupRunnerContainer).toBe("local-backup-runner");
    });

    test("the install Command: schedule, tool config and sinks as one secret, docker exec into the runner, again for a new container", async () => {
        const c = withBackup({ cron: "*/5 * * * *", keepLast: 4 });
        c.notifications = { sinks: [{ type: "webhook", name: "ops" }] };
        c.notificationSecrets = { ops: "https://hooks.example.com/T0/secret-path" };
        const r = await runProgram(c, { secretKeys: SECRET_KEYS });
        const commands = r.byType(COMMAND).filter((x) => x.name.startsWith("backup-runner"));
        expect(commands.map((x) => x.name)).toEqual(["backup-runner-install"]);
        const cmd = commands[0];
        expect(cmd.inputs.create).toBe("sh runtime/backup-runner-install.sh");
        expect(cmd.inputs.update).toBe("sh runtime/backup-runner-install.sh");
        expect(cmd.inputs.triggers).toEqual(["backup-runner-id"]);
        const env = cmd.rawInputs.environment as Record<string, unknown>;
        expect(Object.keys(env).sort()).toEqual(["DOCKER_HOST", "SY_CONTAINER", "SY_RUNNER_SETTINGS"]);
        expect((env.SY_RUNNER_SETTINGS as Record<string, unknown>)[SECRET_SIG]).toBeDefined();
        expect(cmd.parent).toBe(r.byType("switchyard:backup:BackupRunner")[0].urn);
        const settings = installedSettings(r);
        expect(settings.cron).toBe("*/5 * * * *");
        const cfg = JSON.parse(settings.config);
        expect(cfg.kind).toBe("scheduled");
        expect(cfg.scheduledRetention).toEqual({ keepLast: 4 });
        expect(cfg.postgres).toEqual([{ name: "app", url: `postgres://app:pw@${HOST_GATEWAY_NAME}:5432/app` }]);
        expect(settings.notifications).toEqual({
            settings: { sinks: [{ type: "webhook", name: "ops" }], timeoutSeconds: 5, retries: 2, templates: {} },
            secrets: { ops: "https://hooks.example.com/T0/secret-path" },
        });
    });

    test("no sinks: the settings say so (a failed run is recorded and alerted on, not sent)", async () => {
        const r = await runProgram(withBackup({ cron: "0 3 * * *" }), { secretKeys: SECRET_KEYS });
        expect(installedSettings(r).notifications).toBeNull();
    });

    test.each([
        ["cron", { cron: "*/2 * * * *", keepLast: 4 }],
        ["keepLast", { cron: "*/5 * * * *", keepLast: 9 }],
        ["keepWithinDays", { cron: "*/5 * * * *", keepLast: 4, keepWithinDays: 3 }],
    ])("a %s change, in preview: the runner container's inputs stay the same, only the install's settings change", async (_, schedule) => {
        const before = await runProgram(withBackup({ cron: "*/5 * * * *", keepLast: 4 }), { secretKeys: SECRET_KEYS, dryRun: true });
        const after = await runProgram(withBackup(schedule), { secretKeys: SECRET_KEYS, dryRun: true });
        expect(after.one(CONTAINER, "backup-runner").rawInputs).toEqual(before.one(CONTAINER, "backup-runner").rawInputs);
        const install = (r: typeof before) => r.one(COMMAND, "backup-runner-install").inputs;
        expect(install(after).triggers).toEqual(install(before).triggers);
        expect(install(after).environment).not.toEqual(install(before).environment);
    });

    test("no schedule: no runner", async () => {
        const r = await runProgram(withBackup(), { secretKeys: SECRET_KEYS });
        expect(runners(r)).toHaveLength(0);
        expect(r.byType(COMMAND).filter((x) => x.name.startsWith("backup-runner"))).toHaveLength(0);
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
