import { checkDockerTls } from "./dockerTls";

const CERT = "-----BEGIN CERTIFICATE-----\nMIIBcert\n-----END CERTIFICATE-----\n";
const KEY = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIkeymaterial\n-----END EC PRIVATE KEY-----\n";
const tcp = { host: "tcp://10.0.0.5:2376", insecure: false };

describe("dockerTls", () => {
    test("a secret {caCert, cert, key} for a tcp host is the provider's material", () => {
        expect(checkDockerTls({ caCert: CERT, cert: CERT, key: KEY }, true, tcp, "switchyard")).toEqual({
            tls: { caCert: CERT, cert: CERT, key: KEY },
            errors: [],
        });
    });

    test.each([
        [undefined, { host: "unix:///var/run/docker.sock", insecure: false }],
        [{}, { host: "ssh://deploy@h1", insecure: false }],
        [{}, { host: "tcp://10.0.0.5:2375", insecure: true }],
    ])("no TLS (%p) is fine for %p", (raw, docker) => {
        expect(checkDockerTls(raw, false, docker, "switchyard")).toEqual({ tls: undefined, errors: [] });
    });

    test.each([
        [
            "tcp without TLS",
            undefined,
            true,
            tcp,
            /^switchyard:docker\.host: tcp:\/\/10\.0\.0\.5:2376 has no TLS; .*docker\.insecure true$/,
        ],
        [
            "plain text",
            { cert: CERT, key: KEY },
            false,
            tcp,
            /^switchyard:dockerTls: is stored in plain text; a TLS private key must be a Pulumi secret/,
        ],
        [
            "a key that is not PEM",
            { cert: CERT, key: "hunter2-key" },
            true,
            tcp,
            /^switchyard:dockerTls\.key: must be the client private key as PEM text/,
        ],
        ["no cert", { key: KEY }, true, tcp, /^switchyard:dockerTls\.cert: must be the client certificate as PEM text/],
        [
            "an unknown key",
            { cert: CERT, key: KEY, ca: CERT },
            true,
            tcp,
            /^switchyard:dockerTls: unknown key ca; allowed: caCert, cert, key$/,
        ],
        ["not a map", "hunter2-key", true, tcp, /^switchyard:dockerTls: must be \{caCert\?, cert, key\} of PEM text/],
        [
            "TLS for a unix socket",
            { cert: CERT, key: KEY },
            true,
            { host: "unix:///var/run/docker.sock", insecure: false },
            /^switchyard:dockerTls: applies to tcp:\/\/ hosts only \(docker\.host is unix:\/\/\/var\/run\/docker\.sock/,
        ],
        [
            "insecure for ssh",
            undefined,
            true,
            { host: "ssh://deploy@h1", insecure: true },
            /^switchyard:docker\.insecure: allows plain tcp:\/\/ only/,
        ],
        [
            "insecure and TLS",
            { cert: CERT, key: KEY },
            true,
            { ...tcp, insecure: true },
            /^switchyard:docker\.insecure: true contradicts the TLS certificate/,
        ],
    ])("%s is refused, naming the key, never the material", (_what, raw, secret, docker, message) => {
        const r = checkDockerTls(raw, secret, docker, "switchyard");
        expect(r.tls).toBeUndefined();
        expect(r.errors).toHaveLength(1);
        expect(r.errors[0]).toMatch(message);
        expect(r.errors[0]).not.toMatch(/MIIB|keymaterial|hunter2/);
    });
});
