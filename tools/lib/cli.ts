/** What every switchyard command shares: exit codes, its output streams, its options. */

/** Documented exit codes (README "Operations"). */
export const ExitCode = {
    /** Done; for `drift`: no drift. */
    Ok: 0,
    /** `drift`: drift found; `up`/`recover`: the update or the recovery failed. */
    Failed: 1,
    /** Usage or environment error (bad arguments, DOCKER_CONTEXT set, no such stack, the check could not run). */
    Usage: 2,
    /** `backup restore`: not confirmed; nothing was changed. */
    Cancelled: 3,
    /** `backup verify`/`restore`: the snapshot does not verify; nothing was changed. */
    NotVerified: 4,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** An error that ends a command with a given exit code and a one-line message. */
export class CliError extends Error {
    constructor(
        message: string,
        readonly exitCode: ExitCode,
    ) {
        super(message);
    }
}

/** Where a command writes: `out` is stdout (results; one JSON document with --json), `err` is stderr (progress). */
export interface Io {
    out(text: string): void;
    err(text: string): void;
    env: NodeJS.ProcessEnv;
    /** Milliseconds; injected so tests control elapsed times. */
    now(): number;
}

export const processIo: Io = {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    env: process.env,
    now: () => Date.now(),
};

/** `io` with `scrub` applied to everything written (a stack's secret values masked). */
export function maskedIo(io: Io, scrub: (text: string) => string): Io {
    return { ...io, out: (t) => io.out(scrub(t)), err: (t) => io.err(scrub(t)) };
}

/** Options every command takes. */
export interface CommonOptions {
    /** Stack name; the selected stack when absent. */
    stack?: string;
    /** One JSON document on stdout instead of lines. */
    json: boolean;
}

/** The useful text of an error the Automation API threw (a CommandError carries the CLI's stderr). */
export function errorText(e: unknown): string {
    type Result = { stderr?: string; stdout?: string; err?: { stderr?: string } };
    const result = (e as { commandResult?: Result } | undefined)?.commandResult;
    const text = result
        ? [result.err?.stderr, result.stderr, result.stdout].map((t) => (t ?? "").trim()).find(Boolean)
        : e instanceof Error
          ? e.message
          : String(e);
    return text || String(e);
}

/** The first line of an error's text, for one-line messages. */
export function firstLine(e: unknown): string {
    return errorText(e).split("\n")[0].trim();
}
