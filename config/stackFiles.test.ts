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
        if (k.startsWith("switchyard:")) {
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

test.each([
    ["local", 2, "unix:///var/run/docker.sock", "switchyard/demo-app:1.0.0", "http://127.0.0.1:18080"],
    ["staging", 2, "ssh://deploy@staging.example.com", "registry.example.com/team/app:v1.4.2", "http://localhost:80"],
    ["production", 3, "ssh://deploy@prod-1.example.com", "registry.example.com/team/app:v1.4.2", "http://localhost:80"],
])("Pulumi.%s.yaml: %i replicas per colour on %s", async (stack, replicas, host, blueImage, url) => {
    const config = { ...stackConfig(stack), secretEnv: { SESSION_KEY: "stand-in" } };
    const r = await runProgram(config, { stack });
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
