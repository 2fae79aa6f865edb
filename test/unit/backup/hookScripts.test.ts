/**
 * The scripts the ledger and the migration hook hand to the command provider, run for real:
 * the ledger with node, the migration hook with /bin/sh and a stub `docker` on PATH that records
 * its argv and environment and exits as told. Previous stdout is passed as the provider does
 * (PULUMI_COMMAND_STDOUT).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { LEDGER_SCRIPT, parseLedger } from "../../../components/backup/releaseLedger";
import { migrationScript } from "../../../components/release/migration";

function ledger(version: string, previous?: string): string {
    const r = spawnSync(process.execPath, ["-e", LEDGER_SCRIPT], {
        env: {
            PATH: process.env.PATH,
            SWITCHYARD_LEDGER_VERSION: version,
            ...(previous !== undefined ? { PULUMI_COMMAND_STDOUT: previous } : {}),
        },
        cwd: os.tmpdir(),
        encoding: "utf8",
    });
    expect(r.status).toBe(0);
    return r.stdout;
}

describe("release ledger script", () => {
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
    test("parseLedger rejects anything else", () => {
        expect(() => parseLedger("nope")).toThrow(/printed no JSON/);
        expect(() => parseLedger('{"before":null}')).toThrow(/missing fields/);
    });
});

describe("migration hook script", () => {
    let dir: string;
    const log = () => path.join(dir, "docker.log");
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "sy-mig-"));
        // Stub docker: records argv (one per line) and the secret it was given, prints, exits $STUB_RC.
        fs.writeFileSync(
            path.join(dir, "docker"),
            [
                "#!/bin/sh",
                '[ "$1" = rm ] && exit 0',
                `printf '%s\\n' "$@" > ${JSON.stringify(log())}`,
                `printf 'DB_PASSWORD=%s\\n' "$DB_PASSWORD" >> ${JSON.stringify(log())}`,
                'echo "migration says hello"; echo "to stderr" >&2',
                "exit ${STUB_RC:-0}",
            ].join("\n"),
            { mode: 0o755 },
        );
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    const script = migrationScript({
        containerName: "s-app-migrate-green",
        image: "reg/app:1.1.0",
        command: ["npm", "run", "migrate", "it's"],
        envNames: ["DB_PASSWORD", "SWITCHYARD_DEPLOYMENT_ID"],
        labels: { "switchyard.stack": "s" },
        timeoutSeconds: 30,
        what: "'npm run migrate' for green 1.1.0",
    });
    const run = (extra: Record<string, string>) =>
        spawnSync("/bin/sh", ["-c", script], {
            env: {
                PATH: `${dir}:${process.env.PATH}`,
                DB_PASSWORD: "pw-secret",
                SWITCHYARD_DEPLOYMENT_ID: "s-1.1.0-20261124_101500",
                SWITCHYARD_MIGRATION_NETWORK: "s-app",
                ...extra,
            },
            encoding: "utf8",
        });

    test("runs docker with the new image on the network, env by name only, entrypoint replaced", () => {
        const r = run({});
        expect(r.status).toBe(0);
        expect(r.stdout).toBe("switchyard-migration s-1.1.0-20261124_101500\nmigration says hello\nto stderr\n");
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
            "-e",
            "DB_PASSWORD",
            "-e",
            "SWITCHYARD_DEPLOYMENT_ID",
            "--entrypoint",
            "npm",
            "reg/app:1.1.0",
            "run",
            "migrate",
            "it's",
            "DB_PASSWORD=pw-secret",
        ]);
        expect(script).not.toContain("pw-secret");
    });

    test("same deployment as the previous run: nothing runs, previous output kept", () => {
        const prev = "switchyard-migration s-1.1.0-20261124_101500\nmigration says hello";
        const r = run({ PULUMI_COMMAND_STDOUT: prev });
        expect(r.status).toBe(0);
        expect(r.stdout).toBe(`${prev}\n`);
        expect(fs.existsSync(log())).toBe(false);
    });

    test("a new deployment runs again", () => {
        const r = run({ PULUMI_COMMAND_STDOUT: "switchyard-migration s-1.0.0-20261101_000000\nold" });
        expect(r.status).toBe(0);
        expect(fs.existsSync(log())).toBe(true);
    });

    test("failure: exit 1 with a message naming the migration and its output", () => {
        const r = run({ STUB_RC: "3" });
        expect(r.status).toBe(1);
        expect(r.stderr).toContain(
            "switchyard: migration 'npm run migrate' for green 1.1.0 FAILED (exit code 3); the release is aborted before any container of this colour changed and before traffic moved.",
        );
        expect(r.stderr).toContain("--- migration output ---\nmigration says hello\nto stderr\n--- end of migration output ---");
        expect(r.stdout).toBe("");
    });
});
