import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { foldRecord, RecordFacts } from "../../domain/deploymentRecord";
import { makeTarget } from "../../runtime/backup/targets";
import { Moto, startMoto } from "../../test/support/backup";
import { LocalRecordStore, recordStore, RecordStore } from "./records";

const creds = { AWS_ACCESS_KEY_ID: "testing", AWS_SECRET_ACCESS_KEY: "testing", AWS_REGION: "us-east-1" };

function record(id: string, startedAt: string) {
    const facts: RecordFacts = {
        id,
        kind: "rollback",
        level: 1,
        stack: "prod",
        who: "ci",
        commit: null,
        startedAt,
        activeColor: { before: "green", after: "blue" },
        versionsBefore: { blue: "1.0.0", green: "1.1.0" },
        versionsAfter: { blue: "1.0.0", green: "1.1.0" },
        outcome: "rolled-back",
    };
    return foldRecord(facts, []);
}

async function roundTrip(store: RecordStore): Promise<void> {
    const b = record("20261130T020000Z-prod-rollback-1", "2026-11-30T02:00:00.000Z");
    const a = record("20261130T010000Z-prod-rollback-2", "2026-11-30T01:00:00.000Z");
    await store.write(b, "# notes b\n");
    await store.write(a);
    expect((await store.list()).map((r) => r.id)).toEqual([a.id, b.id]);
    expect((await store.list())[1]).toEqual(b);
    expect(await store.readNotes(b.id)).toBe("# notes b\n");
    expect(await store.readNotes(a.id)).toBeUndefined();
    await expect(store.write({ ...a, id: "../escape" })).rejects.toThrow(/refusing record id/);
}

test("local directory: written whole, listed oldest first, notes beside", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sy-records-"));
    try {
        const store = new LocalRecordStore(path.join(dir, "prod"));
        await roundTrip(store);
        expect(store.location("20261130T020000Z-prod-rollback-1")).toBe(path.join(dir, "prod", "20261130T020000Z-prod-rollback-1.json"));
        expect(fs.readdirSync(path.join(dir, "prod")).sort()).toEqual([
            "20261130T010000Z-prod-rollback-2.json",
            "20261130T020000Z-prod-rollback-1.json",
            "20261130T020000Z-prod-rollback-1.notes.md",
        ]);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
});

test("records.target: not kept, a local root per stack, or the backup target", () => {
    const cfg = { stack: "prod", records: {}, backup: undefined };
    expect(recordStore(cfg, {})).toBeUndefined();
    expect(recordStore({ ...cfg, records: { target: { type: "local", root: "/r" } } }, {})?.location("20261130T020000Z-prod-release")).toBe(
        "/r/prod/20261130T020000Z-prod-release.json",
    );
    expect(() => recordStore({ ...cfg, records: { target: { type: "backup" } } }, {})).toThrow(/has no switchyard:backup target/);
});

describe("the S3 backup target (moto)", () => {
    let moto: Moto;
    const bucket = "records-test";
    beforeAll(async () => {
        moto = await startMoto();
        const s3 = new S3Client({
            region: "us-east-1",
            endpoint: moto.endpoint,
            forcePathStyle: true,
            credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
        });
        await s3.send(new CreateBucketCommand({ Bucket: bucket }));
        // A stray object beside the records that is not one.
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "prod/.records/notes.txt", Body: "x" }));
    });
    afterAll(async () => {
        await moto?.stop();
    });

    test("records under <prefix>.records/, never listed as snapshots", async () => {
        const target = { type: "s3" as const, bucket, prefix: "prod/", region: "us-east-1", endpoint: moto.endpoint, forcePathStyle: true };
        const store = recordStore(
            {
                stack: "prod",
                records: { target: { type: "backup" } },
                backup: { target: { ...target, createBucket: false, encryption: "aws:kms" } } as never,
            },
            creds,
        )!;
        await roundTrip(store);
        expect(store.location("20261130T020000Z-prod-rollback-1")).toBe(
            `s3://${bucket}/prod/.records/20261130T020000Z-prod-rollback-1.json`,
        );
        expect(await makeTarget(target, creds).list()).toEqual([]);
    });
});
