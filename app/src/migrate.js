#!/usr/bin/env node
// The demo app's sample migration, run by switchyard's migration hook in the colour's new image
// (switchyard:migration of the local stack): `node src/migrate.js up` or `down`.
// Env: DATABASE_URL (secretEnv), SWITCHYARD_COLOR / SWITCHYARD_VERSION / SWITCHYARD_DEPLOYMENT_ID.
// Expand-only (safe while the live colour serves): `up` creates the table `orders` if missing and
// records the run in `switchyard_migrations`; `down` drops `orders` and records that. One
// transaction under an advisory lock, so two runs never interleave.
"use strict";
const { Client } = require("pg");

const LOCK = 7_351_001;
const UP = [
    `CREATE TABLE IF NOT EXISTS orders (
        id bigserial PRIMARY KEY,
        item text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
    )`,
];
const DOWN = ["DROP TABLE IF EXISTS orders"];

async function main(direction) {
    if (direction !== "up" && direction !== "down") {
        throw new Error(`usage: migrate.js up|down (got ${JSON.stringify(direction)})`);
    }
    if (!process.env.DATABASE_URL) {
        throw new Error("DATABASE_URL is not set (switchyard passes it from secretEnv.DATABASE_URL)");
    }
    const client = new Client({ connectionString: process.env.DATABASE_URL, connectionTimeoutMillis: 10_000 });
    await client.connect();
    try {
        await client.query("BEGIN");
        await client.query("SELECT pg_advisory_xact_lock($1)", [LOCK]);
        await client.query(`CREATE TABLE IF NOT EXISTS switchyard_migrations (
            id serial PRIMARY KEY,
            direction text NOT NULL,
            version text NOT NULL,
            color text NOT NULL,
            deployment_id text NOT NULL,
            applied_at timestamptz NOT NULL DEFAULT now()
        )`);
        for (const sql of direction === "up" ? UP : DOWN) {
            await client.query(sql);
        }
        const env = process.env;
        const row = await client.query(
            "INSERT INTO switchyard_migrations (direction, version, color, deployment_id) VALUES ($1, $2, $3, $4) RETURNING id",
            [direction, env.SWITCHYARD_VERSION ?? "", env.SWITCHYARD_COLOR ?? "", env.SWITCHYARD_DEPLOYMENT_ID ?? ""],
        );
        await client.query("COMMIT");
        console.log(
            `migration ${direction} recorded as switchyard_migrations.id=${row.rows[0].id} (${env.SWITCHYARD_COLOR} ${env.SWITCHYARD_VERSION})`,
        );
    } catch (e) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw e;
    } finally {
        await client.end();
    }
}

main(process.argv[2]).catch((e) => {
    console.error(`migration failed: ${e.message}`);
    process.exit(1);
});
