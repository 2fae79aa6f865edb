/**
 * runtime/docker-tls.js: the TLS client certificate of a tcp:// Docker host reaches the docker
 * CLI as files in a private directory that is gone afterwards, never as variables of the step
 * or on argv; and the real docker CLI connects with them to a daemon that requires a client
 * certificate (a TLS front, certificates made with openssl, over the local engine's socket).
 */
import { execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import * as tls from "tls";
import { freePort } from "../test/support/net";

const SCRIPT = path.join(__dirname, "docker-tls.js");
let dir: string;
beforeAll(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "sy-docker-tls-test-"))));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string; err: string }> {
    return new Promise((resolve) => {
        const child = spawn(process.execPath, [SCRIPT, ...args], { env: { PATH: process.env.PATH, ...env } });
        let out = "";
        let err = "";
        child.stdout.on("data", (d) => (out += d));
        child.stderr.on("data", (d) => (err += d));
        child.on("exit", (code) => resolve({ code, out, err }));
    });
}

const PEM = {
    SWITCHYARD_DOCKER_TLS_CERT: "-----BEGIN CERTIFICATE-----\nMIIBcert\n-----END CERTIFICATE-----",
    SWITCHYARD_DOCKER_TLS_KEY: "-----BEGIN PRIVATE KEY-----\nMIIEkey\n-----END PRIVATE KEY-----",
    SWITCHYARD_DOCKER_TLS_CA: "-----BEGIN CERTIFICATE-----\nMIIBca\n-----END CERTIFICATE-----",
};

describe("the files and the environment the step gets", () => {
    const probe = [
        "sh",
        "-c",
        'echo "dir=$DOCKER_CERT_PATH verify=$DOCKER_TLS_VERIFY"; stat -c "%a %n" "$DOCKER_CERT_PATH" "$DOCKER_CERT_PATH"/*.pem; ' +
            'cat "$DOCKER_CERT_PATH/key.pem"; env | grep -c SWITCHYARD_DOCKER_TLS || true; exit 7',
    ];

    test("cert, key and CA in a 0700 directory as 0600 files; no PEM variable left; the exit code passed on; the directory removed", async () => {
        const r = await run(probe, PEM);
        expect(r.code).toBe(7);
        const certDir = /dir=(\S+) verify=1/.exec(r.out)?.[1];
        expect(certDir).toBeDefined();
        expect(r.out).toContain(`700 ${certDir}\n`);
        for (const f of ["ca.pem", "cert.pem", "key.pem"]) {
            expect(r.out).toContain(`600 ${certDir}/${f}\n`);
        }
        expect(r.out).toContain(`${PEM.SWITCHYARD_DOCKER_TLS_KEY}\n`);
        // `env | grep -c` counts the PEM variables the step can see: none.
        expect(r.out).toMatch(/\n0\n/);
        expect(fs.existsSync(certDir!)).toBe(false);
    });

    test("a failing step: the directory is removed too", async () => {
        const r = await run(["sh", "-c", 'echo "$DOCKER_CERT_PATH"; kill -TERM $$'], PEM);
        expect(r.code).toBe(128 + os.constants.signals.SIGTERM);
        const certDir = r.out.trim();
        expect(certDir).toMatch(/switchyard-docker-tls-/);
        expect(fs.existsSync(certDir)).toBe(false);
    });

    test("without TLS variables the step runs as it is", async () => {
        const r = await run(["sh", "-c", 'echo "[$DOCKER_CERT_PATH][$DOCKER_TLS_VERIFY]"'], {});
        expect(r).toMatchObject({ code: 0, out: "[][]\n" });
    });

    test("a cert without its key is refused before the step runs", async () => {
        const r = await run(["sh", "-c", "echo ran"], { SWITCHYARD_DOCKER_TLS_CERT: PEM.SWITCHYARD_DOCKER_TLS_CERT });
        expect(r.code).toBe(2);
        expect(r.out).toBe("");
        expect(r.err).toContain("needs both cert and key");
    });
});

describe("the real docker CLI over TLS with a required client certificate", () => {
    let server: tls.Server;
    let port = 0;
    const pem: Record<string, string> = {};
    const socket = (process.env.DOCKER_HOST ?? "").startsWith("unix://") ? process.env.DOCKER_HOST!.slice(7) : "/var/run/docker.sock";

    beforeAll(async () => {
        const ssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
        const ext = path.join(dir, "san.ext");
        fs.writeFileSync(ext, "subjectAltName=IP:127.0.0.1\n");
        const clientExt = path.join(dir, "client.ext");
        fs.writeFileSync(clientExt, "extendedKeyUsage=clientAuth\n");
        for (const ca of ["ca", "other-ca"]) {
            ssl(
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "1",
                "-subj",
                `/CN=${ca}`,
                "-keyout",
                `${ca}.key`,
                "-out",
                `${ca}.pem`,
            );
        }
        const issue = (name: string, ca: string, extFile: string) => {
            ssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", `/CN=${name}`, "-keyout", `${name}.key`, "-out", `${name}.csr`);
            ssl(
                "x509",
                "-req",
                "-in",
                `${name}.csr`,
                "-CA",
                `${ca}.pem`,
                "-CAkey",
                `${ca}.key`,
                "-CAcreateserial",
                "-days",
                "1",
                "-extfile",
                extFile,
                "-out",
                `${name}.pem`,
            );
        };
        issue("server", "ca", ext);
        issue("client", "ca", clientExt);
        issue("stranger", "other-ca", clientExt);
        for (const f of ["ca.pem", "server.pem", "server.key", "client.pem", "client.key", "stranger.pem", "stranger.key"]) {
            pem[f] = fs.readFileSync(path.join(dir, f), "utf8");
        }
        // A daemon endpoint that accepts only clients with a certificate of `ca`: a TLS front on the local engine's socket.
        server = tls.createServer(
            { key: pem["server.key"], cert: pem["server.pem"], ca: pem["ca.pem"], requestCert: true, rejectUnauthorized: true },
            (c) => {
                const upstream = net.connect(socket);
                c.pipe(upstream).pipe(c);
                upstream.on("error", () => c.destroy());
                c.on("error", () => upstream.destroy());
            },
        );
        server.on("tlsClientError", () => undefined);
        port = await freePort();
        await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
    }, 60_000);
    afterAll(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

    const version = (env: NodeJS.ProcessEnv) =>
        run(["docker", "version", "--format", "{{.Server.Version}}"], { HOME: dir, DOCKER_HOST: `tcp://127.0.0.1:${port}`, ...env });

    test("with the stack's client certificate the docker CLI reaches the daemon", async () => {
        const r = await version({
            SWITCHYARD_DOCKER_TLS_CA: pem["ca.pem"],
            SWITCHYARD_DOCKER_TLS_CERT: pem["client.pem"],
            SWITCHYARD_DOCKER_TLS_KEY: pem["client.key"],
        });
        expect(r.err).toBe("");
        expect(r.code).toBe(0);
        expect(r.out.trim()).toMatch(/^\d+\.\d+/);
    }, 30_000);

    test("without it, or with a certificate of another CA, the daemon is not reached", async () => {
        expect((await version({})).code).not.toBe(0);
        const stranger = await version({
            SWITCHYARD_DOCKER_TLS_CA: pem["ca.pem"],
            SWITCHYARD_DOCKER_TLS_CERT: pem["stranger.pem"],
            SWITCHYARD_DOCKER_TLS_KEY: pem["stranger.key"],
        });
        expect(stranger.code).not.toBe(0);
        // Nothing of the key in what the step printed.
        expect(stranger.out + stranger.err).not.toContain("PRIVATE KEY");
    }, 30_000);
});
