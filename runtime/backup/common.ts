/** What the backup tool's commands share: their I/O, their errors, and which snapshot a reference names. */
import { sortNewestFirst } from "../../domain/backup/retention";
import { ListedSnapshot, Target } from "./targets";

export interface Io {
    stdout: (line: string) => void;
    stderr: (line: string) => void;
    /** Reads one line of confirmation; null at end of input. */
    readLine: () => Promise<string | null>;
    env: NodeJS.ProcessEnv;
    now: () => Date;
}

export class UsageError extends Error {}
export class ExitError extends Error {
    constructor(
        message: string,
        readonly code: number,
    ) {
        super(message);
    }
}

export async function resolveId(target: Target, ref: string): Promise<{ id: string; listed: ListedSnapshot[] }> {
    const listed = await target.list();
    if (ref !== "latest") return { id: ref, listed };
    const complete = listed.filter((s) => s.complete && s.manifest).map((s) => ({ ...s, createdAt: s.manifest!.createdAt }));
    if (complete.length === 0) throw new Error("no complete snapshot at the target: nothing to restore");
    return { id: sortNewestFirst(complete)[0].id, listed };
}
