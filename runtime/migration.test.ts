/**
 * runtime/migration.js run for real with node and a stub `docker` on PATH that records its argv
 * and environment and exits as told. Previous stdout is passed as the command provider does
 * (PULUMI_COMMAND_STDOUT).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const HOOK = path.join(__dirname, "migration.js");
const ID = "s-1.1.0-20261124_101500";

describe("migration hook (runtime/migration.js)", () => {
    let dir: string;
    const log = () => path.join(dir, "docker.log");
    const removals = () => path.join(dir, "rm.log");
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "sy-mig-"));
        // Stub docker: logs `rm` calls; for `run`, records argv (one per line) and the variables
        // it was given, prints to stdout and stderr, sleeps $STUB_SLEEP, exits $STUB_RC.
        fs.writeFileSync(
            path.join(dir, "docker"),
            [
                "#!/bin/sh",
                `[ "$1" = rm ] && { printf '%s\\n' "$*" >> ${JSON.stringify(removals())}; exit 0; }`,
                `printf '%s\\n' "$@" > ${JSON.stringify(log())}`,
                `printf 'DB_PASSWORD=%s\\nNODE_OPTIONS=%s\\n' "$DB_PASSWORD" "$NODE_OPTIONS" >> ${JSON.stringify(log())}`,
                'echo "migration says hello"; echo "to stderr" >&2',
                'sleep "${STUB_SLEEP:-0}"',
                "exit ${STUB_RC:-0}",
            ].join("\n"),
            { mode: 0o755 },
        );
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    const run = (extra: Record<string, string>) =>
        spawnSync(process.execPath, [HOOK], {
            env: {
                PATH: `${dir}:${process.env.PATH}`,
                SWITCHYARD_DEPLOYMENT_ID: ID,
                SWITCHYARD_MIGRATION_NETWORK: "s-app",
                SWITCHYARD_MIGRATION_CONTAINER: "s-app-migrate-green",
                SWITCHYARD_MIGRATION_IMAGE: "reg/app:1.1.0",
                SWITCHYARD_MIGRATION_ARGV: JSON.stringify(["npm", "run", "migrate", "it's", "$(touch pwned)"]),
                // The hook's own node must not see the app's NODE_OPTIONS; docker and the container do.
                SWITCHYARD_MIGRATION_ENV: JSON.stringify({ DB_PASSWORD: "pw-secret", NODE_OPTIONS: "--require /nonexistent" }),
                SWITCHYARD_MIGRATION_LABELS: JSON.stringify({ "switchyard.stack": "s", "switchyard.role": "migration" }),
                SWITCHYARD_MIGRATION_TIMEOUT: "30",
                SWITCHYARD_MIGRATION_WHAT: "'npm run migrate' for green 1.1.0",
                ...extra,
            },
            cwd: dir,
            encoding: "utf8",
        });

    test("runs docker with the new image on the network, env by name only, entrypoint replaced", () => {
        const r = run({});
        expect(r.stderr).toBe("");
        expect(r.status).toBe(0);
        expect(r.stdout).toBe(`switchyard-migration ${ID}\nmigration says hello\nto stderr\n`);
        const argv = fs.readFileSync(log(), "utf8").trim().split("\n");
        expect(argv).toEqual([
            "run",
            "--rm",
            "--name",
            "s-app-migrate-green",
            "--network",
            "s-app",
            "--label",
            "switchyard.stack=s",
            "--label",
            "switchyard.role=migration",
            "-e",
            "DB_PASSWORD",
            "-e",
            "NODE_OPTIONS",
            "-e",
            "SWITCHYARD_DEPLOYMENT_ID",
            "--entrypoint",
            "npm",
            "reg/app:1.1.0",
            "run",
            "migrate",
            "it's",
            "$(touch pwned)",
            "DB_PASSWORD=pw-secret",
            "NODE_OPTIONS=--require /nonexistent",
        ]);
        expect(fs.existsSync(path.join(dir, "pwned"))).toBe(false);
        // A container left by an interrupted run is removed first.
        expect(fs.readFileSync(removals(), "utf8")).toBe("rm -f s-app-migrate-green\n");
    });

    test("same deployment as the previous run: nothing runs, previous output kept", () => {
        const prev = `switchyard-migration ${ID}\nmigration says hello`;
        const r = run({ PULUMI_COMMAND_STDOUT: prev });
        expect(r.status).toBe(0);
        expect(r.stdout).toBe(`${prev}\n`);
        expect(fs.existsSync(log())).toBe(false);
        expect(fs.existsSync(removals())).toBe(false);
    });

    // What the earlier inline shell script printed for this release (captured from it, with and
    // without the trailing newline): a stack upgraded to this file runs the command once more, and
    // the migration must not run again nor its recorded output change.
    test.each([
        `switchyard-migration ${ID}\nmigration says hello\nto stderr\n`,
        `switchyard-migration ${ID}\nmigration says hello\nto stderr`,
    ])("upgrade: output of the earlier script for the same deployment is kept (%j)", (prev) => {
        const r = run({ PULUMI_COMMAND_STDOUT: prev });
        expect(r.status).toBe(0);
        expect(r.stdout).toBe(`${prev}\n`);
        expect(fs.existsSync(log())).toBe(false);
        expect(fs.existsSync(removals())).toBe(false);
    });

    test("a new deployment runs again", () => {
        const r = run({ PULUMI_COMMAND_STDOUT: "switchyard-migration s-1.0.0-20261101_000000\nold" });
        expect(r.status).toBe(0);
        expect(fs.existsSync(log())).toBe(true);
    });

    test("failure: exit 1 with a message naming the migration and its output", () => {
        const r = run({ STUB_RC: "3" });
        expect(r.status).toBe(1);
        expect(r.stderr).toBe(
            "switchyard: migration 'npm run migrate' for green 1.1.0 FAILED (exit code 3); the release is aborted before any container of this colour changed and before traffic moved.\n" +
                "--- migration output ---\nmigration says hello\nto stderr\n--- end of migration output ---\n",
        );
        expect(r.stdout).toBe("");
    });

    test.each([
        ["failure (stderr)", { STUB_RC: "3" }, "stderr"],
        ["success (stdout, kept in state)", {}, "stdout"],
    ] as const)("a secret the migration prints is scrubbed from its output: %s", (_what, extra, stream) => {
        const stub = fs.readFileSync(path.join(dir, "docker"), "utf8");
        fs.writeFileSync(
            path.join(dir, "docker"),
            stub.replace('echo "migration says hello";', 'echo "connecting to postgres://app:$DB_PASSWORD@db/app";'),
        );
        const r = run({ ...extra, SWITCHYARD_MIGRATION_SECRETS: JSON.stringify(["DB_PASSWORD"]) });
        expect(r[stream]).toContain("connecting to postgres://app:[secret DB_PASSWORD]@db/app");
        expect(r.stdout + r.stderr).not.toContain("pw-secret");
        // The container still got the real value.
        expect(fs.readFileSync(log(), "utf8")).toContain("DB_PASSWORD=pw-secret");
    });

    test("plain variables the migration prints stay readable", () => {
        fs.writeFileSync(
            path.join(dir, "docker"),
            fs.readFileSync(path.join(dir, "docker"), "utf8").replace('echo "migration says hello";', 'echo "level $NODE_OPTIONS";'),
        );
        const r = run({ SWITCHYARD_MIGRATION_SECRETS: JSON.stringify(["DB_PASSWORD"]) });
        expect(r.stdout).toContain("level --require /nonexistent");
    });

    test("timeout: the container is removed and the message says so", () => {
        const r = run({ STUB_SLEEP: "5", SWITCHYARD_MIGRATION_TIMEOUT: "1" });
        expect(r.status).toBe(1);
        expect(r.stderr).toContain("switchyard: migration 'npm run migrate' for green 1.1.0 FAILED (timed out after 1 s);");
        expect(fs.readFileSync(removals(), "utf8")).toBe("rm -f s-app-migrate-green\nrm -f s-app-migrate-green\n");
    });

    test("a missing input fails before docker runs", () => {
        const r = run({ SWITCHYARD_MIGRATION_IMAGE: "" });
        expect(r.status).toBe(2);
        expect(r.stderr).toBe("switchyard: migration hook: SWITCHYARD_MIGRATION_IMAGE is not set\n");
        expect(fs.existsSync(removals())).toBe(false);
    });
});
