import { checkEnvironment, LOCAL_PASSPHRASE } from "./environment";
import { parseStackConfig } from "./parse";

const minimal = {
    activeColor: "blue",
    colors: { blue: { version: "1.0.0" }, green: { version: "1.1.0" } },
    app: { image: "switchyard/demo-app" },
};

describe("DOCKER_CONTEXT", () => {
    test("unset or empty: nothing to say", () => {
        expect(checkEnvironment({}, "unix:///var/run/docker.sock")).toEqual([]);
        expect(checkEnvironment({ DOCKER_CONTEXT: "" }, "unix:///var/run/docker.sock")).toEqual([]);
    });

    test.each(["default", "prod-remote"])("DOCKER_CONTEXT=%s is refused before anything changes, naming the configured host", (ctx) => {
        const r = parseStackConfig("s", { ...minimal, docker: { host: "ssh://deploy@h1" } }, new Set(), { DOCKER_CONTEXT: ctx });
        expect(r.ok).toBe(false);
        expect(r.ok ? "" : r.errors.join("\n")).toBe(
            `DOCKER_CONTEXT="${ctx}" is set in the environment: the docker provider would use that context's daemon instead of ` +
                "switchyard:docker.host (ssh://deploy@h1). Nothing was changed. Fix: unset DOCKER_CONTEXT (switchyard takes the daemon from switchyard:docker.host only)",
        );
    });
});

describe("the documented local passphrase", () => {
    test.each([
        ["local", LOCAL_PASSPHRASE, false],
        ["local", "my-own", false],
        ["production", "my-own", false],
        ["production", undefined, false],
        ["production", LOCAL_PASSPHRASE, true],
        ["staging", LOCAL_PASSPHRASE, true],
        ["e2e", LOCAL_PASSPHRASE, true],
        ["Local", LOCAL_PASSPHRASE, true],
    ])("stack %s with passphrase %s: refused %s", (stack, passphrase, refused) => {
        const problems = checkEnvironment({ PULUMI_CONFIG_PASSPHRASE: passphrase }, undefined, stack);
        expect(problems.length > 0).toBe(refused);
    });

    test("the program refuses it for another stack, naming the stack, the fix and the move, and changes nothing", () => {
        const r = parseStackConfig("production", minimal, new Set(), { PULUMI_CONFIG_PASSPHRASE: LOCAL_PASSPHRASE });
        expect(r.ok).toBe(false);
        const text = r.ok ? "" : r.errors.join("\n");
        expect(text).toContain("stack 'production' would keep its secrets under a passphrase anyone can read in the README");
        expect(text).toContain("Fix: set PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE)");
        expect(text).toContain("pulumi stack change-secrets-provider passphrase --stack production");
        expect(text).not.toContain(LOCAL_PASSPHRASE);
    });
});
