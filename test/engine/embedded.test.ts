/**
 * Real engine: the embedded default (Pulumi.local.yaml) walks the whole path of a release on the
 * local Docker engine, as `scripts/up.sh` and the README walk-through do: the stack's PostgreSQL
 * container, a verified pre-deploy snapshot to a directory under .switchyard/, the sample migration
 * in the new image, the gate, then the switch. Stack `e2e-embed` runs the local stack's own config
 * file with its ports and names changed; its secrets are the committed ones, decrypted with the
 * documented local passphrase (so the file as committed is what is tested), the container host
 * renamed. Every `up` goes through `switchyard up --policy-pack policies`, as scripts/up.sh runs it.
 */
import "./embeddedEnv";

import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";

import {
    configSet,
    destroyStack,
    freshStack,
    get,
    must,
    outputs,
    PORT,
    report,
    ROOT,
    ROUTER_URL,
    run,
    STACK,
    switchyardJson,
} from "./harness";

jest.setTimeout(20 * 60_000);

const IMAGE = `switchyard/demo-app-${STACK}`;
const VERSIONS = ["1.0.0", "1.1.0", "1.2.0"];
const PROMETHEUS_PORT = PORT + 1;
const DB = `${STACK}-postgres`;
const BACKUP_ROOT = `.switchyard/backups/${STACK}`;

/** The demo app as this checkout has it, with its dependencies (pg for the migration). */
async function buildImage(): Promise<void> {
    const ctx = fs.mkdtempSync(path.join(os.tmpdir(), `switchyard-${STACK}-image-`));
    try {
        fs.cpSync(path.join(ROOT, "app/src"), path.join(ctx, "src"), { recursive: true });
        fs.cpSync(path.join(ROOT, "app/node_modules"), path.join(ctx, "node_modules"), { recursive: true });
        fs.writeFileSync(
            path.join(ctx, "Dockerfile"),
            "FROM switchyard/demo-app:1.0.0\nCOPY node_modules /app/node_modules\nCOPY src /app/src\n",
        );
        await must("docker", ["build", "-q", "-t", `${IMAGE}:${VERSIONS[0]}`, ctx]);
        for (const v of VERSIONS.slice(1)) {
            await must("docker", ["tag", `${IMAGE}:${VERSIONS[0]}`, `${IMAGE}:${v}`]);
        }
    } finally {
        fs.rmSync(ctx, { recursive: true, force: true });
    }
}

/** The local stack's secrets as committed, read with the documented passphrase in a throwaway backend. */
async function localSecrets(): Promise<{ backupUrl: string; databaseUrl: string }> {
    const backend = fs.mkdtempSync(path.join(os.tmpdir(), `switchyard-${STACK}-backend-`));
    const env = { PULUMI_BACKEND_URL: `file://${backend}`, PULUMI_CONFIG_PASSPHRASE: "switchyard-local-only" };
    try {
        await must("pulumi", ["stack", "init", "local", "--non-interactive"], env);
        const get1 = (key: string) => must("pulumi", ["config", "get", "--path", key, "--stack", "local", "--non-interactive"], env);
        return { backupUrl: (await get1("backupSecrets.app")).trim(), databaseUrl: (await get1("secretEnv.DATABASE_URL")).trim() };
    } finally {
        fs.rmSync(backend, { recursive: true, force: true });
    }
}

/** psql in the stack's database container (local socket, as the image's own user). */
async function sql(query: string): Promise<string> {
    return (
        await must("docker", ["exec", DB, "psql", "-X", "-qtA", "-h", "/run/postgresql", "-U", "app", "-d", "app", "-c", query])
    ).trim();
}

interface UpDoc {
    ok: boolean;
    summary: string;
    resourceChanges: Record<string, number>;
    policyViolations: { policy: string; level: string; message: string }[];
    error?: string;
}

/** `switchyard up --policy-pack policies`, as scripts/up.sh runs it. */
async function switchyardUp(): Promise<{ doc: UpDoc; seconds: number; stderr: string }> {
    const r = await switchyardJson(["up", "--policy-pack", "policies"]);
    const doc = r.doc as UpDoc;
    if (r.code !== 0) {
        throw new Error(`switchyard up failed (exit ${r.code}): ${doc.error ?? ""}\n${r.stderr.slice(-4000)}`);
    }
    return { doc, seconds: r.ms / 1000, stderr: r.stderr };
}

async function snapshotIds(): Promise<string[]> {
    const l = await switchyardJson(["backup", "list"]);
    expect(l.code).toBe(0);
    return (l.doc as { id: string }[]).map((s) => s.id).sort();
}

async function verified(id: string): Promise<boolean> {
    const v = await switchyardJson(["backup", "verify", id]);
    return v.code === 0 && v.doc.ok === true;
}

beforeAll(async () => {
    await must("bash", [path.join(ROOT, "scripts/images.sh"), "--only", "postgres"]);
    await buildImage();
    const secrets = await localSecrets();
    const doc = YAML.parse(fs.readFileSync(path.join(ROOT, "Pulumi.local.yaml"), "utf8")) as { config: Record<string, any> };
    // The local stack's config as committed; secure values are set below, with this stack's passphrase.
    const config = Object.fromEntries(
        Object.entries(doc.config).filter(([k]) => !["switchyard:backupSecrets", "switchyard:secretEnv"].includes(k)),
    );
    config["switchyard:app"] = { ...config["switchyard:app"], image: IMAGE };
    config["switchyard:router"] = { ...config["switchyard:router"], port: PORT };
    config["switchyard:monitoring"].prometheus.port = PROMETHEUS_PORT;
    config["switchyard:backup"].target.root = BACKUP_ROOT;
    await freshStack(config);
    fs.rmSync(path.join(ROOT, BACKUP_ROOT), { recursive: true, force: true });
    await configSet("backupSecrets.app", secrets.backupUrl, { secret: true, path: true });
    await configSet("secretEnv.DATABASE_URL", secrets.databaseUrl.replace("@local-postgres:", `@${DB}:`), { secret: true, path: true });
});

afterAll(async () => {
    try {
        await destroyStack();
    } finally {
        fs.rmSync(path.join(ROOT, BACKUP_ROOT), { recursive: true, force: true });
        await run("docker", ["image", "rm", ...VERSIONS.map((v) => `${IMAGE}:${v}`)]);
    }
});

describe("the embedded default: backup -> migrate -> gate -> switch", () => {
    let firstSnapshots: string[];

    test("first up: the database runs, one verified snapshot per colour, both migrations recorded, no policy warning", async () => {
        const { doc, seconds } = await switchyardUp();
        const o = await outputs();
        const backups = o.backups as Record<string, { snapshotId: string; location: string }>;
        firstSnapshots = await snapshotIds();
        const migrated = await sql("SELECT color || ' ' || version FROM switchyard_migrations WHERE direction = 'up' ORDER BY 1");
        report("embedded-1-first-up", {
            seconds,
            summary: doc.summary,
            policyViolations: doc.policyViolations.length,
            snapshots: firstSnapshots.length,
        });
        expect(doc.policyViolations).toEqual([]);
        expect(firstSnapshots).toEqual([backups.blue.snapshotId, backups.green.snapshotId].sort());
        expect(backups.blue.location.startsWith(path.join(ROOT, BACKUP_ROOT))).toBe(true);
        expect(await Promise.all(firstSnapshots.map(verified))).toEqual([true, true]);
        expect(migrated.split("\n")).toEqual(["blue 1.0.0", "green 1.1.0"]);
        expect(await sql("SELECT to_regclass('public.orders') IS NOT NULL")).toBe("t");
        expect(Object.keys(o.migrations as object).sort()).toEqual(["blue", "green"]);
        const r = await get(`${ROUTER_URL}/`);
        expect(r.status).toBe(200);
        expect(r.headers["x-switchyard-color"]).toBe("blue");
    });

    test("second up: nothing changes, no snapshot or migration runs again, no policy warning", async () => {
        // `switchyard up` refreshes first: "nothing changed" means the host read back as the program wants it.
        const { doc, seconds, stderr } = await switchyardUp();
        report("embedded-2-second-up", {
            seconds,
            summary: doc.summary,
            policyViolations: doc.policyViolations.length,
            changed: /nothing changed/.test(doc.summary)
                ? undefined
                : stderr.split("\n").filter((l) => /updat|replac|creat|delet/i.test(l)),
        });
        expect(doc.policyViolations).toEqual([]);
        expect(doc.summary).toMatch(/nothing changed/);
        expect(await snapshotIds()).toEqual(firstSnapshots);
        expect(await sql("SELECT count(*) FROM switchyard_migrations")).toBe("2");
    });

    test("the walk-through: green 1.2.0 is snapshotted, migrated and gated, then takes the traffic", async () => {
        await sql("INSERT INTO orders (item) VALUES ('order-42')");
        await configSet("colors.green.version", "1.2.0", { path: true });
        const release = await switchyardUp();
        const o = await outputs();
        const green = (o.backups as Record<string, { snapshotId: string }>).green.snapshotId;
        const ids = await snapshotIds();
        const migrated = await sql("SELECT color || ' ' || version FROM switchyard_migrations ORDER BY id DESC LIMIT 1");
        await configSet("activeColor", "green");
        const flip = await switchyardUp();
        const served = await get(`${ROUTER_URL}/`);
        report("embedded-3-release-and-flip", {
            releaseSeconds: release.seconds,
            flipSeconds: flip.seconds,
            releasePolicyViolations: release.doc.policyViolations.map((v) => `${v.policy}: ${v.message}`),
            flipPolicyViolations: flip.doc.policyViolations.map((v) => v.policy),
        });
        // The release changes a version: backup-before-release applies, and holds (the deployment window may not, by the clock).
        expect(release.doc.policyViolations.filter((v) => v.policy === "backup-before-release")).toEqual([]);
        expect(ids).toEqual([...firstSnapshots, green].sort());
        expect(await verified(green)).toBe(true);
        expect(migrated).toBe("green 1.2.0");
        expect(await sql("SELECT item FROM orders")).toBe("order-42");
        expect(flip.doc.policyViolations).toEqual([]);
        expect(served.status).toBe(200);
        expect(served.headers["x-switchyard-color"]).toBe("green");
        expect(served.headers["x-switchyard-version"]).toBe("1.2.0");
    });
});
