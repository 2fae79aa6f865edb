import fc from "fast-check";
import { HOST_NAME } from "./dockerHosts";
import { parseStackConfig } from "./parse";

type Raw = Record<string, unknown>;

const minimal: Raw = {
    activeColor: "blue",
    colors: { blue: { version: "1.0.0" }, green: { version: "1.1.0" } },
    app: { image: "registry.example.com/team/app" },
};

function parse(docker: unknown, extra: Raw = {}, secret: string[] = []) {
    return parseStackConfig("production", { ...minimal, ...(docker === undefined ? {} : { docker }), ...extra }, new Set(secret));
}

const CERT = "-----BEGIN CERTIFICATE-----\nMIIBcert\n-----END CERTIFICATE-----\n";
const KEY = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIkeymaterial\n-----END EC PRIVATE KEY-----\n";

describe("docker.host or docker.hosts", () => {
    test.each([
        ["nothing set: the local socket", undefined, "unix:///var/run/docker.sock", undefined],
        ["docker.host", { host: "ssh://deploy@h1" }, "ssh://deploy@h1", undefined],
        [
            "docker.hosts of one",
            { hosts: [{ name: "web-1", host: "ssh://deploy@h1" }] },
            "ssh://deploy@h1",
            [{ name: "web-1", host: "ssh://deploy@h1", labels: {} }],
        ],
        [
            "docker.hosts of three with labels",
            {
                hosts: [
                    { name: "web-1", host: "ssh://deploy@h1", labels: { region: "eu-west", rack: "a1" } },
                    { name: "web-2", host: "ssh://deploy@h2:2222" },
                    { name: "local", host: "unix:///var/run/docker.sock" },
                ],
            },
            "ssh://deploy@h1",
            [
                { name: "web-1", host: "ssh://deploy@h1", labels: { region: "eu-west", rack: "a1" } },
                { name: "web-2", host: "ssh://deploy@h2:2222", labels: {} },
                { name: "local", host: "unix:///var/run/docker.sock", labels: {} },
            ],
        ],
    ])("%s", (_what, docker, host, hosts) => {
        const r = parse(docker);
        if (!r.ok) throw new Error(r.errors.join("\n"));
        expect(r.config.docker.host).toBe(host);
        expect(r.config.docker.hosts).toEqual(hosts);
    });

    test.each([
        [
            "both forms",
            { host: "ssh://deploy@h1", hosts: [{ name: "web-1", host: "ssh://deploy@h1" }] },
            /^switchyard:docker\.host: is set together with docker\.hosts; use one of the two: .* Fix: pulumi config rm --path docker\.host .*\(got "ssh:\/\/deploy@h1"\)$/,
        ],
        ["an empty list", { hosts: [] }, /^switchyard:docker\.hosts: must list at least one host; .*docker\.host instead/],
        ["not a list", { hosts: "ssh://deploy@h1" }, /^switchyard:docker\.hosts: must be a list of \{name, host, labels\}/],
        ["no name", { hosts: [{ host: "ssh://deploy@h1" }] }, /^switchyard:docker\.hosts\[0\]\.name: must be a host name such as web-1/],
        [
            "an upper-case name",
            { hosts: [{ name: "Web_1", host: "ssh://deploy@h1" }] },
            /^switchyard:docker\.hosts\[0\]\.name: must be 1-24 lower-case letters, digits and '-' .*\(got "Web_1"\)$/,
        ],
        [
            "a bad endpoint",
            {
                hosts: [
                    { name: "web-1", host: "ssh://deploy@h1" },
                    { name: "web-2", host: "h2:22" },
                ],
            },
            /^switchyard:docker\.hosts\[1\]\.host: must be unix:\/\/\/path\/docker\.sock, ssh:\/\/user@host\[:port\] or tcp:\/\/host:port \(got "h2:22"\)$/,
        ],
        [
            "a name used twice",
            {
                hosts: [
                    { name: "web-1", host: "ssh://deploy@h1" },
                    { name: "web-1", host: "ssh://deploy@h2" },
                ],
            },
            /^switchyard:docker\.hosts\[1\]\.name: 'web-1' is already the name of docker\.hosts\[0\]; each host needs a name of its own/,
        ],
        [
            "one endpoint twice",
            {
                hosts: [
                    { name: "web-1", host: "ssh://deploy@h1" },
                    { name: "web-2", host: "ssh://deploy@h1" },
                ],
            },
            /^switchyard:docker\.hosts\[1\]\.host: is the same Docker endpoint as docker\.hosts\[0\] \(web-1\); .*Remove one/,
        ],
        [
            "an unknown key in an entry",
            { hosts: [{ name: "web-1", host: "ssh://deploy@h1", weight: 2 }] },
            /^switchyard:docker\.hosts\[0\]\.weight: unknown key \(got 2\); allowed keys here: name, host, labels\./,
        ],
        [
            "a bad label name",
            { hosts: [{ name: "web-1", host: "ssh://deploy@h1", labels: { "Region Name": "eu" } }] },
            /^switchyard:docker\.hosts\[0\]\.labels\.Region Name: label names are lower-case .*\(got "eu"\)$/,
        ],
        [
            "a label value that is not a string",
            { hosts: [{ name: "web-1", host: "ssh://deploy@h1", labels: { region: 3 } }] },
            /^switchyard:docker\.hosts\[0\]\.labels\.region: label values are strings/,
        ],
    ])("refused: %s", (_what, docker, message) => {
        const r = parse(docker);
        expect(r.ok).toBe(false);
        if (r.ok) return;
        expect(r.errors).toHaveLength(1);
        expect(r.errors[0]).toMatch(message);
    });

    test("more than 20 hosts are refused", () => {
        const hosts = Array.from({ length: 21 }, (_, i) => ({ name: `h${i}`, host: `ssh://deploy@h${i}` }));
        const r = parse({ hosts });
        expect(r.ok ? [] : r.errors).toEqual([expect.stringMatching(/^switchyard:docker\.hosts: must list at most 20 hosts/)]);
    });

    test("a password in a host entry is refused without echoing it", () => {
        const r = parse({ hosts: [{ name: "web-1", host: "ssh://deploy:pw-hunter2@h1" }] });
        expect(r.ok).toBe(false);
        if (r.ok) return;
        expect(r.errors.join("\n")).toMatch(/switchyard:docker\.hosts\[0\]\.host/);
        expect(r.errors.join("\n")).not.toContain("hunter2");
    });
});

describe("docker.hosts and the tcp:// rules", () => {
    test("a tcp:// entry without TLS is named by its index", () => {
        const r = parse({
            hosts: [
                { name: "web-1", host: "ssh://deploy@h1" },
                { name: "web-2", host: "tcp://10.0.0.6:2376" },
            ],
        });
        expect(r.ok ? [] : r.errors).toEqual([
            expect.stringMatching(/^switchyard:docker\.hosts\[1\]\.host: tcp:\/\/10\.0\.0\.6:2376 has no TLS; .*docker\.insecure true$/),
        ]);
    });

    test("dockerTls serves the tcp:// entries of a mixed list", () => {
        const r = parse(
            {
                hosts: [
                    { name: "web-1", host: "ssh://deploy@h1" },
                    { name: "web-2", host: "tcp://10.0.0.6:2376" },
                ],
            },
            { dockerTls: { cert: CERT, key: KEY } },
            ["dockerTls"],
        );
        if (!r.ok) throw new Error(r.errors.join("\n"));
        expect(r.dockerTls).toEqual({ cert: CERT, key: KEY });
    });

    test.each([
        [
            "dockerTls",
            { dockerTls: { cert: CERT, key: KEY } },
            { insecure: false },
            /^switchyard:dockerTls: applies to tcp:\/\/ hosts only \(no entry of docker\.hosts is tcp:\/\//,
        ],
        [
            "docker.insecure",
            {},
            { insecure: true },
            /^switchyard:docker\.insecure: allows plain tcp:\/\/ only \(no entry of docker\.hosts is tcp:\/\/\)/,
        ],
    ])("%s with no tcp:// entry is refused", (_what, extra, more, message) => {
        const r = parse({ hosts: [{ name: "web-1", host: "ssh://deploy@h1" }], ...more }, extra, ["dockerTls"]);
        expect(r.ok ? [] : r.errors).toEqual([expect.stringMatching(message)]);
    });
});

describe("docker.excludeHosts", () => {
    const three = [
        { name: "web-1", host: "ssh://deploy@h1" },
        { name: "web-2", host: "ssh://deploy@h2" },
        { name: "web-3", host: "ssh://deploy@h3" },
    ];
    test.each([
        ["unset: none", { hosts: three }, []],
        ["one of the others", { hosts: three, excludeHosts: ["web-3"] }, ["web-3"]],
        ["two of the others", { hosts: three, excludeHosts: ["web-2", "web-3"] }, ["web-2", "web-3"]],
    ])("%s", (_what, docker, excluded) => {
        const r = parse(docker);
        expect(r.ok && r.config.docker.excludeHosts).toEqual(excluded);
    });

    test.each([
        [
            "a host that is not listed",
            { hosts: three, excludeHosts: ["web-9"] },
            "switchyard:docker.excludeHosts[0]: 'web-9' is not a host of docker.hosts (web-1, web-2, web-3). Fix: name a listed host, or pulumi config rm --path docker.excludeHosts",
        ],
        [
            "the first host",
            { hosts: three, excludeHosts: ["web-1"] },
            "switchyard:docker.excludeHosts[0]: 'web-1' is the first host of docker.hosts: it runs the once-per-stack steps (pre-deploy snapshot, migration, backup runner, monitoring) and cannot be left out. Fix: bring it back, or list another host first",
        ],
        [
            "the single-host form",
            { host: "ssh://deploy@h1", excludeHosts: ["web-1"] },
            "switchyard:docker.excludeHosts[0]: 'web-1' is not a host of docker.hosts (none: the stack has one host). Fix: name a listed host, or pulumi config rm --path docker.excludeHosts",
        ],
    ])("%s is refused, naming it", (_what, docker, message) => {
        const r = parse(docker);
        expect(r.ok ? [] : r.errors.map((e) => e.replace(/ \(got .*\)$/, ""))).toEqual([message]);
    });
});

test("property: any list of distinct valid names and endpoints parses to itself, in order", () => {
    const name = fc.stringMatching(HOST_NAME);
    fc.assert(
        fc.property(fc.uniqueArray(name, { minLength: 1, maxLength: 20 }), (names) => {
            const hosts = names.map((n, i) => ({ name: n, host: `ssh://deploy@10.0.0.${i + 1}` }));
            const r = parse({ hosts });
            if (!r.ok) return false;
            return (
                JSON.stringify(r.config.docker.hosts) === JSON.stringify(hosts.map((h) => ({ ...h, labels: {} }))) &&
                r.config.docker.host === hosts[0].host
            );
        }),
        { numRuns: 50 },
    );
});
