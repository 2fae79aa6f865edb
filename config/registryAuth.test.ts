import { checkRegistryAuth } from "./registryAuth";
import { parseStackConfig } from "./parse";

const minimal = {
    activeColor: "blue",
    colors: { blue: { version: "1.0.0" }, green: { version: "1.1.0" } },
    app: { image: "switchyard/demo-app" },
};

describe("registryAuth", () => {
    test("a secret map becomes the provider's credential list, sorted by address", () => {
        const r = checkRegistryAuth(
            {
                "registry.example.com": { username: "deploy", password: "pw-1" },
                "127.0.0.1:5000": { username: "ci", password: "pw-2" },
            },
            true,
            "switchyard",
        );
        expect(r.errors).toEqual([]);
        expect(r.credentials).toEqual([
            { address: "127.0.0.1:5000", username: "ci", password: "pw-2" },
            { address: "registry.example.com", username: "deploy", password: "pw-1" },
        ]);
    });

    test.each([
        [undefined, []],
        [{}, []],
    ])("unset (%p) means none", (raw, errors) => {
        expect(checkRegistryAuth(raw, false, "switchyard")).toEqual({ credentials: [], errors });
    });

    test.each([
        [
            "plain text",
            { "r.example.com": { username: "u", password: "hunter2-plain" } },
            false,
            /switchyard:registryAuth: is stored in plain text; registry passwords must be Pulumi secrets. Fix: pulumi config rm registryAuth/,
        ],
        [
            "a scheme in the address",
            { "https://r.example.com": { username: "u", password: "hunter2-plain" } },
            true,
            /switchyard:registryAuth\["https:\/\/r.example.com"\]: the key must be a registry address/,
        ],
        [
            "no password",
            { "r.example.com": { username: "u" } },
            true,
            /switchyard:registryAuth\["r.example.com"\].password: must be the registry password or token/,
        ],
        [
            "an unknown key",
            { "r.example.com": { username: "u", password: "hunter2-plain", email: "x" } },
            true,
            /unknown key email; allowed: username, password/,
        ],
        ["a list", [{ address: "r", username: "u", password: "hunter2-plain" }], true, /must be a map of registry address/],
    ])("%s is refused, naming the key, never the password", (_what, raw, secret, message) => {
        const r = checkRegistryAuth(raw, secret, "switchyard");
        expect(r.credentials).toEqual([]);
        expect(r.errors.join("\n")).toMatch(message);
        expect(r.errors.join("\n")).not.toContain("hunter2-plain");
    });

    test("parseStackConfig hands the credentials apart from the plain config", () => {
        const r = parseStackConfig(
            "s",
            { ...minimal, registryAuth: { "r.example.com": { username: "u", password: "p" } } },
            new Set(["registryAuth"]),
        );
        expect(r.ok && r.registryAuth).toEqual([{ address: "r.example.com", username: "u", password: "p" }]);
        expect(JSON.stringify(r.ok && r.config)).not.toContain('"p"');
    });
});
