#!/usr/bin/env node
// switchyard migration hook: run by the MigrationHook component (a Pulumi local Command) before a
// colour's containers change. Runs the migration once per release in a one-off container of the
// colour's new image; every value comes from the environment (secrets too), none from code.
//
// SWITCHYARD_DEPLOYMENT_ID       the colour's deployment id (the run marker; also given to the container)
// SWITCHYARD_MIGRATION_NETWORK   Docker network to run on
// SWITCHYARD_MIGRATION_CONTAINER name of the one-off container
// SWITCHYARD_MIGRATION_IMAGE     image `repository:tag`
// SWITCHYARD_MIGRATION_ARGV      JSON argv; the first item replaces the image's entrypoint
// SWITCHYARD_MIGRATION_ENV       JSON object of the container's variables (secrets included); they
//                                reach docker through its environment and the container by name
// SWITCHYARD_MIGRATION_SECRETS   JSON list of the names in SWITCHYARD_MIGRATION_ENV whose values
//                                are secrets: never printed, whatever the migration writes
// SWITCHYARD_MIGRATION_LABELS    JSON object of container labels
// SWITCHYARD_MIGRATION_TIMEOUT   seconds before the migration is killed
// SWITCHYARD_MIGRATION_WHAT      how failure messages name the migration
"use strict";

const { spawnSync } = require("child_process");
const os = require("os");

function input(name) {
    const v = process.env[name];
    if (v === undefined || v === "") {
        process.stderr.write(`switchyard: migration hook: ${name} is not set\n`);
        process.exit(2);
    }
    return v;
}

const json = (name) => JSON.parse(input(name));

// First stdout line of a completed run. Same release as the previous successful run: nothing to
// do, keep the recorded output (this also holds for output of the earlier inline script).
const id = input("SWITCHYARD_DEPLOYMENT_ID");
const marker = `switchyard-migration ${id}`;
const previous = process.env.PULUMI_COMMAND_STDOUT || "";
if (previous.split("\n")[0] === marker) {
    process.stdout.write(`${previous}\n`);
    process.exit(0);
}

const container = input("SWITCHYARD_MIGRATION_CONTAINER");
const timeout = input("SWITCHYARD_MIGRATION_TIMEOUT");
const [entrypoint, ...rest] = json("SWITCHYARD_MIGRATION_ARGV");
const labels = Object.entries(json("SWITCHYARD_MIGRATION_LABELS")).flatMap(([k, v]) => ["--label", `${k}=${v}`]);
const containerEnv = { ...json("SWITCHYARD_MIGRATION_ENV"), SWITCHYARD_DEPLOYMENT_ID: id };
const envs = Object.keys(containerEnv)
    .sort()
    .flatMap((n) => ["-e", n]);
const network = input("SWITCHYARD_MIGRATION_NETWORK");
const image = input("SWITCHYARD_MIGRATION_IMAGE");
const what = input("SWITCHYARD_MIGRATION_WHAT");

const removeContainer = () => spawnSync("docker", ["rm", "-f", container], { stdio: "ignore" });

// A container left by an interrupted run would block the name.
removeContainer();
// coreutils `timeout` (exit 124) and one pipe for stdout and stderr, as `2>&1` interleaves them;
// the argv reaches sh as positional parameters, never as code.
const r = spawnSync(
    "sh",
    [
        "-c",
        'exec "$@" 2>&1',
        "sh",
        "timeout",
        timeout,
        "docker",
        "run",
        "--rm",
        "--name",
        container,
        "--network",
        network,
        ...labels,
        ...envs,
        "--entrypoint",
        entrypoint,
        image,
        ...rest,
    ],
    { env: { ...process.env, ...containerEnv }, stdio: ["ignore", "pipe", "inherit"], encoding: "utf8", maxBuffer: 256 * 1024 * 1024 },
);
// A migration that prints its connection string must not put the password in Pulumi's output.
const secretNames = process.env.SWITCHYARD_MIGRATION_SECRETS ? JSON.parse(process.env.SWITCHYARD_MIGRATION_SECRETS) : [];
const scrub = (text) =>
    secretNames
        .filter((n) => typeof containerEnv[n] === "string" && containerEnv[n].length > 0)
        .sort((a, b) => containerEnv[b].length - containerEnv[a].length)
        .reduce((t, n) => t.split(containerEnv[n]).join(`[secret ${n}]`), text);
const out = scrub((r.stdout || "").replace(/\n+$/, ""));
// Killed by a signal: the shell's 128+n.
const rc = r.status !== null ? r.status : 128 + (os.constants.signals[r.signal] || 0);
if (rc !== 0) {
    let why = `exit code ${rc}`;
    if (rc === 124) {
        removeContainer();
        why = `timed out after ${timeout} s`;
    }
    process.stderr.write(
        `switchyard: migration ${what} FAILED (${why}); the release is aborted before any container of this colour changed and before traffic moved.\n` +
            `--- migration output ---\n${out}\n--- end of migration output ---\n`,
    );
    process.exit(1);
}
process.stdout.write(`${marker}\n${out}\n`);
