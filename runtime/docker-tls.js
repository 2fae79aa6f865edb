#!/usr/bin/env node
// Runs a host-side step (argv after this file) with the TLS client certificate of a tcp:// Docker
// host. The PEM text comes from the environment (SWITCHYARD_DOCKER_TLS_CERT, _KEY, optional _CA;
// Pulumi secrets of the Command), is written to a private temporary directory (0700, files 0600)
// as the docker CLI expects (cert.pem, key.pem, ca.pem), and the step gets DOCKER_CERT_PATH and
// DOCKER_TLS_VERIFY=1 but not the PEM variables. The directory is removed when the step ends,
// fails or is interrupted. Without the variables the step runs as it is.
"use strict";

const { spawn } = require("child_process");
const fs = require("fs");
const os = require("os");
const path = require("path");

const [cmd, ...args] = process.argv.slice(2);
if (!cmd) {
    process.stderr.write("switchyard: docker-tls: no command to run\n");
    process.exit(2);
}

const env = { ...process.env };
const files = {
    "cert.pem": env.SWITCHYARD_DOCKER_TLS_CERT,
    "key.pem": env.SWITCHYARD_DOCKER_TLS_KEY,
    "ca.pem": env.SWITCHYARD_DOCKER_TLS_CA,
};
delete env.SWITCHYARD_DOCKER_TLS_CERT;
delete env.SWITCHYARD_DOCKER_TLS_KEY;
delete env.SWITCHYARD_DOCKER_TLS_CA;

let dir;
const cleanup = () => {
    if (dir) {
        fs.rmSync(dir, { recursive: true, force: true });
        dir = undefined;
    }
};

if (files["cert.pem"] || files["key.pem"]) {
    if (!files["cert.pem"] || !files["key.pem"]) {
        process.stderr.write("switchyard: docker-tls: the client certificate needs both cert and key\n");
        process.exit(2);
    }
    // mkdtemp creates the directory 0700: nobody else can list or read it.
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "switchyard-docker-tls-"));
    fs.chmodSync(dir, 0o700);
    for (const [name, text] of Object.entries(files)) {
        if (text) {
            fs.writeFileSync(path.join(dir, name), text.endsWith("\n") ? text : `${text}\n`, { mode: 0o600, flag: "wx" });
        }
    }
    env.DOCKER_CERT_PATH = dir;
    env.DOCKER_TLS_VERIFY = "1";
}

const child = spawn(cmd, args, { env, stdio: "inherit" });
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
    process.on(signal, () => child.kill(signal));
}
process.on("exit", cleanup);
child.on("error", (e) => {
    cleanup();
    process.stderr.write(`switchyard: docker-tls: could not run ${cmd}: ${e.message}\n`);
    process.exit(127);
});
child.on("exit", (code, signal) => {
    cleanup();
    process.exit(code !== null ? code : 128 + (os.constants.signals[signal] || 0));
});
