/** Git facts for records and release notes: who, the commit, the commits between two releases. */
import { spawnSync } from "child_process";
import type { Commit } from "../../domain/releaseNotes";

function git(args: string[], cwd: string): string | undefined {
    const r = spawnSync("git", args, { cwd, encoding: "utf8" });
    return r.status === 0 ? r.stdout.trim() : undefined;
}

/** The CI actor (GITHUB_ACTOR) when set, else the git user (`name <email>`), else the OS user. */
export function whoAmI(env: NodeJS.ProcessEnv, cwd: string): string {
    if (env.GITHUB_ACTOR) return `${env.GITHUB_ACTOR} (CI)`;
    const name = git(["config", "user.name"], cwd);
    const email = git(["config", "user.email"], cwd);
    if (name) return email ? `${name} <${email}>` : name;
    return env.USER ?? "unknown";
}

export function headCommit(cwd: string): string | null {
    return git(["rev-parse", "HEAD"], cwd) ?? null;
}

const FIELD = "\u001f";
const RECORD = "\u001e";

/** Commits in `to` not in `from` (oldest first); every commit up to `to` when `from` is null or unknown. */
export function commitsBetween(from: string | null, to: string | null, cwd: string): Commit[] {
    if (!to) return [];
    const known = from !== null && git(["cat-file", "-e", `${from}^{commit}`], cwd) !== undefined;
    const range = known ? `${from}..${to}` : to;
    const out = git(["log", "--reverse", "--max-count=500", `--format=%H${FIELD}%s${FIELD}%an${FIELD}%b${RECORD}`, range], cwd);
    if (!out) return [];
    return out
        .split(RECORD)
        .map((r) => r.replace(/^\n/, ""))
        .filter((r) => r.includes(FIELD))
        .map((r) => {
            const [sha, subject, author, body] = r.split(FIELD);
            return { sha, subject, author, body: body.trim() };
        });
}
