import { scrubber } from "../../domain/scrub";
import { maskedIo } from "./cli";
import { configDockerTls, configSecrets, SECRET_PLACEHOLDER, SIG_KEY, stripSecrets } from "./secrets";

const secret = (plaintext: string) => ({ [SIG_KEY]: "1b47061264138c4ac30d75fd1eb44270", plaintext: JSON.stringify(plaintext) });

describe("stripSecrets", () => {
    test("every value carrying the signature key becomes the placeholder, at any depth; the rest is kept", () => {
        const exported = {
            version: 3,
            deployment: {
                secrets_providers: { type: "passphrase" },
                resources: [
                    {
                        urn: "u",
                        type: "docker:index/container:Container",
                        outputs: {
                            name: "n",
                            envs: [secret("DB_PASSWORD=hunter2"), "PLAIN=1"],
                            nested: { deep: { password: secret("hunter2") } },
                        },
                    },
                    { urn: "s", type: "pulumi:pulumi:Stack", outputs: { token: secret("t0k3n"), n: 1, ok: true, none: null } },
                ],
            },
        };
        const stripped = stripSecrets(exported);
        expect(JSON.stringify(stripped)).not.toMatch(/hunter2|t0k3n|1b47061264138c4ac30d75fd1eb44270/);
        expect(stripped.deployment.resources[0].outputs).toEqual({
            name: "n",
            envs: [SECRET_PLACEHOLDER, "PLAIN=1"],
            nested: { deep: { password: SECRET_PLACEHOLDER } },
        });
        expect(stripped.deployment.resources[1].outputs).toEqual({ token: SECRET_PLACEHOLDER, n: 1, ok: true, none: null });
        expect(stripped.deployment.secrets_providers).toEqual({ type: "passphrase" });
    });

    test("the input is not changed", () => {
        const input = { a: secret("x") };
        stripSecrets(input);
        expect(input.a).toEqual(secret("x"));
    });
});

describe("configSecrets and maskedIo", () => {
    const config = {
        "switchyard:secretEnv": { value: '{"DB_PASSWORD":"pw-canary-1","API":"tok-canary-2"}', secret: true },
        "switchyard:canary": { value: '{"weight":5,"header":{"name":"X-Canary","value":"hdr-canary-3"}}', secret: true },
        "switchyard:grafanaToken": { value: "graf-canary-4", secret: true },
        "switchyard:app": { value: '{"image":"shop","env":{"LOG":"info"}}', secret: false },
    };

    test("every value set with --secret, whole and each string inside, and nothing plain", () => {
        const found = configSecrets(config);
        expect(found).toEqual(expect.arrayContaining(["pw-canary-1", "tok-canary-2", "hdr-canary-3", "graf-canary-4"]));
        expect(found).not.toContain("info");
        expect(found).not.toContain("shop");
    });

    test("a command's output and errors through maskedIo carry none of them", () => {
        const written: string[] = [];
        const io = maskedIo(
            { out: (t) => written.push(t), err: (t) => written.push(t), env: {}, now: () => 0 },
            scrubber(configSecrets(config)),
        );
        io.err("error: container failed: DB_PASSWORD=pw-canary-1 header hdr-canary-3\n");
        io.out(JSON.stringify({ ok: false, error: "token graf-canary-4 refused; LOG=info" }));
        const text = written.join("");
        for (const v of ["pw-canary-1", "hdr-canary-3", "graf-canary-4"]) {
            expect(text).not.toContain(v);
        }
        expect(text).toContain("LOG=info");
        expect(text).toContain("[secret]");
    });
});

describe("configDockerTls", () => {
    test.each([
        [
            "a secret with cert, key and CA",
            { value: '{"cert":"C","key":"K","caCert":"A"}', secret: true },
            { cert: "C", key: "K", caCert: "A" },
        ],
        ["a secret without CA", { value: '{"cert":"C","key":"K"}', secret: true }, { cert: "C", key: "K" }],
        ["plain text (the program refuses it)", { value: '{"cert":"C","key":"K"}', secret: false }, undefined],
        ["no key", { value: '{"cert":"C"}', secret: true }, undefined],
        ["not JSON", { value: "C", secret: true }, undefined],
    ])("%s", (_what, entry, expected) => {
        expect(configDockerTls({ "switchyard:dockerTls": entry })).toEqual(expected);
    });
});
