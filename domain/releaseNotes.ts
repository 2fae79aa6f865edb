/**
 * Release notes: the commits between the previous release's commit and this one, grouped by
 * conventional-commit type (https://www.conventionalcommits.org), with the record's facts on top.
 * Pure: commits and facts in, Markdown out.
 */

export interface Commit {
    readonly sha: string;
    readonly subject: string;
    /** Body text; `BREAKING CHANGE:` in it marks the commit as breaking. @default "" */
    readonly body?: string;
    readonly author?: string;
}

export interface ParsedCommit {
    /** feat, fix, perf... lower case; `other` for a subject that is not conventional. */
    readonly type: string;
    readonly scope?: string;
    readonly breaking: boolean;
    readonly description: string;
}

const CONVENTIONAL = /^([A-Za-z]+)(?:\(([^()\r\n]+)\))?(!)?: +(\S.*)$/;

export function parseCommit(c: Pick<Commit, "subject" | "body">): ParsedCommit {
    const m = CONVENTIONAL.exec(c.subject.trim());
    const breakingBody = /(^|\n)BREAKING[ -]CHANGE: /.test(c.body ?? "");
    if (!m) {
        return { type: "other", breaking: breakingBody, description: c.subject.trim() };
    }
    return {
        type: m[1].toLowerCase(),
        ...(m[2] ? { scope: m[2].trim() } : {}),
        breaking: m[3] === "!" || breakingBody,
        description: m[4].trim(),
    };
}

/** Section titles, in the order they are shown; unknown types go to "Other changes". */
export const SECTIONS: readonly (readonly [string, string])[] = [
    ["feat", "Features"],
    ["fix", "Bug fixes"],
    ["perf", "Performance"],
    ["refactor", "Refactoring"],
    ["revert", "Reverts"],
    ["docs", "Documentation"],
    ["test", "Tests"],
    ["build", "Build"],
    ["ci", "CI"],
    ["chore", "Chores"],
    ["style", "Style"],
    ["other", "Other changes"],
];
const KNOWN = new Set(SECTIONS.map(([t]) => t));

export interface NoteGroup {
    readonly type: string;
    readonly title: string;
    readonly commits: readonly (Commit & ParsedCommit)[];
}

/** Commits grouped by section, sections in SECTIONS order, commits in the order given; empty sections left out. */
export function groupCommits(commits: readonly Commit[]): { groups: NoteGroup[]; breaking: (Commit & ParsedCommit)[] } {
    const parsed = commits.map((c) => ({ ...c, ...parseCommit(c) }));
    const groups = SECTIONS.map(([type, title]) => ({
        type,
        title,
        commits: parsed.filter((c) => (KNOWN.has(c.type) ? c.type : "other") === type),
    })).filter((g) => g.commits.length > 0);
    return { groups, breaking: parsed.filter((c) => c.breaking) };
}

/** The facts of a record the notes show. */
export interface NoteFacts {
    readonly stack: string;
    readonly recordId: string;
    readonly deploymentId: string;
    readonly kind: string;
    readonly outcome: string;
    readonly who: string;
    readonly commit: string | null;
    readonly previousCommit: string | null;
    readonly versions: { readonly from: string; readonly to: string };
    readonly snapshotId?: string | null;
    readonly reason?: string | null;
    readonly at: string;
}

/** Markdown text: no HTML; backticks in commit text are kept out of code spans. */
function md(text: string): string {
    return text.replace(/([\\`*_[\]<>])/g, "\\$1");
}

export function renderReleaseNotes(facts: NoteFacts, commits: readonly Commit[]): string {
    const { groups, breaking } = groupCommits(commits);
    const short = (sha: string | null) => (sha ? sha.slice(0, 12) : "unknown");
    const lines = [
        `# ${md(facts.stack)} ${md(facts.versions.from)} → ${md(facts.versions.to)} (${md(facts.kind)})`,
        "",
        `- Record: \`${facts.recordId}\``,
        `- Deployment id: \`${facts.deploymentId}\``,
        `- Outcome: ${md(facts.outcome)}`,
        `- By: ${md(facts.who)} at ${facts.at}`,
        `- Commits: ${short(facts.previousCommit)}..${short(facts.commit)} (${commits.length})`,
    ];
    if (facts.snapshotId) {
        lines.push(`- Pre-deploy snapshot: \`${facts.snapshotId}\``);
    }
    if (facts.reason) {
        lines.push(`- Reason: ${md(facts.reason)}`);
    }
    if (breaking.length > 0) {
        lines.push("", "## Breaking changes", "", ...breaking.map((c) => `- ${md(c.description)} (${c.sha.slice(0, 7)})`));
    }
    for (const g of groups) {
        lines.push("", `## ${g.title}`, "");
        for (const c of g.commits) {
            lines.push(`- ${c.scope ? `**${md(c.scope)}:** ` : ""}${md(c.description)} (${c.sha.slice(0, 7)})`);
        }
    }
    if (commits.length === 0) {
        lines.push("", "No commits between the two releases.");
    }
    return `${lines.join("\n")}\n`;
}

/** One line for a notification: counts per section, breaking first. e.g. "1 breaking, 2 features, 1 bug fix". */
export function notesSummary(commits: readonly Commit[]): string {
    const { groups, breaking } = groupCommits(commits);
    if (commits.length === 0) {
        return "no commits";
    }
    const parts = breaking.length > 0 ? [`${breaking.length} breaking`] : [];
    for (const g of groups) {
        parts.push(`${g.commits.length} ${g.title.toLowerCase()}`);
    }
    return parts.join(", ");
}
