/**
 * Where deployment records are kept (`switchyard:records.target`): a local directory, or the
 * stack's backup target under `.records/` (beside the snapshots; names starting with '.' are never
 * listed as snapshots). One `<id>.json` per attempt and its release notes `<id>.notes.md`.
 */
import { promises as fs } from "fs";
import * as path from "path";
import type { RecordSettings } from "../../config/notifications";
import type { StackConfig } from "../../config/parse";
import type { Stack } from "@pulumi/pulumi/automation";
import { DeploymentRecord, DriftProof, RECORD_ID } from "../../domain/deploymentRecord";
import { firstLine } from "./cli";
import { plannedChanges, PreviewStep, splitDueScaleDown } from "../drift/drift";
import { dueScaleDowns } from "../../domain/scaleDown";
import { s3Client } from "../../runtime/backup/targets";

export interface RecordStore {
    /** Where record `id` is (a path or s3:// URL). */
    location(id: string): string;
    write(record: DeploymentRecord, notes?: string): Promise<string>;
    /** Every record of the store, oldest first. */
    list(): Promise<DeploymentRecord[]>;
    readNotes(id: string): Promise<string | undefined>;
}

function checkId(id: string): string {
    if (!RECORD_ID.test(id)) throw new Error(`refusing record id ${JSON.stringify(id)}: not a record id switchyard writes`);
    return id;
}

export class LocalRecordStore implements RecordStore {
    constructor(private readonly dir: string) {}
    location(id: string): string {
        return path.join(this.dir, `${checkId(id)}.json`);
    }
    async write(record: DeploymentRecord, notes?: string): Promise<string> {
        await fs.mkdir(this.dir, { recursive: true });
        if (notes !== undefined) await fs.writeFile(path.join(this.dir, `${checkId(record.id)}.notes.md`), notes);
        // Written whole then renamed: a reader never sees half a record.
        const tmp = `${this.location(record.id)}.tmp`;
        await fs.writeFile(tmp, `${JSON.stringify(record, null, 2)}\n`);
        await fs.rename(tmp, this.location(record.id));
        return this.location(record.id);
    }
    async list(): Promise<DeploymentRecord[]> {
        let names: string[];
        try {
            names = await fs.readdir(this.dir);
        } catch (e) {
            if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
            throw e;
        }
        const ids = names.filter((n) => n.endsWith(".json") && RECORD_ID.test(n.slice(0, -5))).sort();
        return Promise.all(ids.map(async (n) => JSON.parse(await fs.readFile(path.join(this.dir, n), "utf8")) as DeploymentRecord));
    }
    async readNotes(id: string): Promise<string | undefined> {
        return fs.readFile(path.join(this.dir, `${checkId(id)}.notes.md`), "utf8").catch(() => undefined);
    }
}

type S3Target = Extract<NonNullable<StackConfig["backup"]>["target"], { type: "s3" }>;

export class S3RecordStore implements RecordStore {
    private readonly client: ReturnType<typeof s3Client>;
    private readonly s3 = require("@aws-sdk/client-s3") as typeof import("@aws-sdk/client-s3");
    private readonly prefix: string;
    constructor(
        private readonly target: S3Target,
        env: NodeJS.ProcessEnv,
    ) {
        this.client = s3Client(target, env);
        const p = target.prefix && !target.prefix.endsWith("/") ? `${target.prefix}/` : target.prefix;
        this.prefix = `${p}.records/`;
    }
    location(id: string): string {
        return `s3://${this.target.bucket}/${this.prefix}${checkId(id)}.json`;
    }
    private async put(key: string, body: string, type: string): Promise<void> {
        await this.client.send(new this.s3.PutObjectCommand({ Bucket: this.target.bucket, Key: key, Body: body, ContentType: type }));
    }
    private async get(key: string): Promise<string> {
        const r = await this.client.send(new this.s3.GetObjectCommand({ Bucket: this.target.bucket, Key: key }));
        return (await r.Body?.transformToString("utf8")) ?? "";
    }
    async write(record: DeploymentRecord, notes?: string): Promise<string> {
        if (notes !== undefined) await this.put(`${this.prefix}${checkId(record.id)}.notes.md`, notes, "text/markdown");
        await this.put(`${this.prefix}${checkId(record.id)}.json`, `${JSON.stringify(record, null, 2)}\n`, "application/json");
        return this.location(record.id);
    }
    async list(): Promise<DeploymentRecord[]> {
        const keys: string[] = [];
        let token: string | undefined;
        do {
            const r = await this.client.send(
                new this.s3.ListObjectsV2Command({ Bucket: this.target.bucket, Prefix: this.prefix, ContinuationToken: token }),
            );
            for (const o of r.Contents ?? []) {
                const name = o.Key!.slice(this.prefix.length);
                if (name.endsWith(".json") && RECORD_ID.test(name.slice(0, -5))) keys.push(o.Key!);
            }
            token = r.IsTruncated ? r.NextContinuationToken : undefined;
        } while (token);
        return Promise.all(keys.sort().map(async (k) => JSON.parse(await this.get(k)) as DeploymentRecord));
    }
    async readNotes(id: string): Promise<string | undefined> {
        return this.get(`${this.prefix}${checkId(id)}.notes.md`).catch(() => undefined);
    }
}

/** The stack's record store, or undefined when records are not kept. */
export function recordStore(cfg: Pick<StackConfig, "stack" | "records" | "backup">, env: NodeJS.ProcessEnv): RecordStore | undefined {
    const t: RecordSettings["target"] = cfg.records.target;
    if (!t) return undefined;
    if (t.type === "local") return new LocalRecordStore(path.join(t.root, cfg.stack));
    const b = cfg.backup?.target;
    if (!b)
        throw new Error(
            "switchyard:records.target is {type: backup} but the stack has no switchyard:backup target; set one, or use {type: local, root}",
        );
    return b.type === "local" ? new LocalRecordStore(path.join(b.root, ".records")) : new S3RecordStore(b, env);
}

/** The zero-drift proof of an attempt: `preview --refresh --expect-no-changes`, clean or with why not. */
export async function driftProofOf(stack: Stack): Promise<DriftProof> {
    const checkedAt = new Date().toISOString();
    const steps: PreviewStep[] = [];
    let summary: Record<string, number>;
    try {
        const p = await stack.preview({
            refresh: true,
            onEvent: (e) => {
                const m = e.resourcePreEvent?.metadata;
                if (m) steps.push({ op: m.op, urn: m.urn, diffReasons: m.diffs });
            },
        });
        summary = p.changeSummary as Record<string, number>;
    } catch (e) {
        return { checkedAt, noChanges: false, changeSummary: {}, error: firstLine(e) };
    }
    // A scale-down of the idle colour that time made due (app.scaleDownDelay) is the next update's, not drift.
    const due = dueScaleDowns((await stack.outputs()).colorScale?.value, Date.now());
    const { explained, rest } = splitDueScaleDown(steps, due);
    const changes = [...new Set(plannedChanges(rest))];
    if (changes.length > 0) {
        return { checkedAt, noChanges: false, changeSummary: summary, error: `the refresh preview plans changes: ${changes.join("; ")}` };
    }
    const dueLines = due.map(
        (d) =>
            `${d.color} (idle since ${d.idleSince}; app.scaleDownDelay passed at ${d.scaleDownAt}): ${explained.length} step(s) for the next update`,
    );
    return { checkedAt, noChanges: true, changeSummary: summary, ...(dueLines.length > 0 ? { scaleDownDue: dueLines } : {}) };
}

/**
 * Writes a finished attempt's record and notes; where it went, or undefined when it could not be
 * written. The attempt itself is done by then: a store that refuses is reported, never fatal.
 */
export async function publishRecord(
    store: RecordStore,
    record: DeploymentRecord,
    notes: string,
    say: (text: string) => void,
): Promise<string | undefined> {
    try {
        const at = await store.write(record, notes);
        say(`record ${record.id} written to ${at}`);
        return at;
    } catch (e) {
        say(`record ${record.id} could NOT be written: ${firstLine(e)}`);
        return undefined;
    }
}
