import { SECRET_PLACEHOLDER, SIG_KEY, stripSecrets } from "./secrets";

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
