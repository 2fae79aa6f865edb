/**
 * Every committed stack file (Pulumi.<stack>.yaml) runs under Pulumi mocks: its config passes
 * validation and gives the expected graph. Secrets a stack would hold are stand-ins here.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { runProgram, SECRET_SIG } from "../test/support/program";

const ROOT = path.resolve(__dirname, "..");

function stackConfig(stack: string): Record<string, unknown> {
    const doc = parse(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, unknown> };
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(doc.config)) {
        // Encrypted values are replaced by the stand-ins below.
        const secure = v !== null && typeof v === "object" && "secure" in v;
        if (k.startsWith("switchyard:") && !secure && !["switchyard:backupSecrets", "switchyard:secretEnv"].includes(k)) {
            out[k.slice("switchyard:".length)] = v;
        }
    }
    return out;
}

function counts(types: string[]): Record<string, number> {
    const out: Record<string, number> = {};
    for (const t of types) out[t] = (out[t] ?? 0) + 1;
    return out;
}

/** Stand-ins for the secrets a committed stack file holds encrypted. */
const STAND_INS: Record<string, Record<string, unknown>> = {
    local: {
        backupSecrets: { app: "postgres://app:stand-in@127.0.0.1:5432/app" },
        secretEnv: { DATABASE_URL: "postgres://app:stand-in@local-postgres:5432/app" },
    },
};

test.each([
    ["local", 2, "unix:///var/run/docker.sock", "switchyard/demo-app:1.0.0", "http://127.0.0.1:18080"],
    ["staging", 2, "ssh://deploy@staging.example.com", "registry.example.com/team/app:v1.4.2", "http://localhost:80"],
    ["production", 3, "ssh://deploy@prod-1.example.com", "registry.example.com/team/app:v1.4.2", "http://localhost:80"],
])("Pulumi.%s.yaml: %i replicas per colour on %s", async (stack, replicas, host, blueImage, url) => {
    const config = { ...stackConfig(stack), secretEnv: { SESSION_KEY: "stand-in" }, ...(STAND_INS[stack] ?? {}) };
    const r = await runProgram(config, { stack, secretKeys: ["secretEnv", ...Object.keys(STAND_INS[stack] ?? {})] });
    const c = counts(r.resources.map((x) => x.type));
    const containers = r.byType("docker:index/container:Container").map((x) => x.name);
    expect(containers.filter((n) => n.startsWith("app-")).sort()).toEqual(
        ["blue", "green"].flatMap((col) => Array.from({ length: replicas }, (_, i) => `app-${col}-${i + 1}`)),
    );
    expect(containers.filter((n) => n === "router-container")).toHaveLength(1);
    expect(c["switchyard:app:ColorStack"]).toBe(2);
    expect(c["switchyard:release:HealthGate"]).toBe(2);
    expect(c["switchyard:routing:CanaryRouter"]).toBe(1);
    expect(r.byType("pulumi:providers:docker")[0].inputs.host).toBe(host);
    expect(r.outputs.images).toMatchObject({ blue: blueImage });
    expect(r.outputs.routerUrl).toBe(url);
    for (const k of r.byType("docker:index/container:Container").filter((x) => x.name.startsWith("app-"))) {
        expect((k.rawInputs.envs as Record<string, unknown>)[SECRET_SIG]).toBeDefined();
    }
});

test("Pulumi.local.yaml: its PostgreSQL runs before both snapshots, which run pg_dump in it, then the migrations", async () => {
    const r = await runProgram(
        { ...stackConfig("local"), ...STAND_INS.local },
        { stack: "local", secretKeys: Object.keys(STAND_INS.local) },
    );
    const db = r.one("docker:index/container:Container", "database-container");
    expect(db.inputs.name).toBe("local-postgres");
    expect(db.inputs.wait).toBe(true);
    expect(db.inputs.volumes).toEqual([{ volumeName: "local-postgres-data", containerPath: "/var/lib/postgresql/data" }]);
    // The credentials reach the container only as a secret.
    expect((db.rawInputs.envs as Record<string, unknown>)[SECRET_SIG]).toBeDefined();
    for (const c of ["blue", "green"]) {
        const snapshot = r.resources.find((x) => x.type === "command:local:Command" && x.parent.endsWith(`::backup-${c}`));
        expect(snapshot?.dependencies).toContain(db.urn);
        expect(JSON.stringify(snapshot?.inputs)).toContain("local-postgres");
        expect(r.resources.find((x) => x.name === `migration-${c}`)).toBeDefined();
    }
    expect(r.outputs.databaseContainer).toBe("local-postgres");
});
