/**
 * The CI template users copy (.github/workflows/switchyard.yml): secrets reach only jobs that run
 * in a GitHub environment, pull-request code from forks gets none, and production previews and
 * promotions run in the protected `production` environment.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";

interface Job {
    if?: string;
    environment?: string;
    env?: Record<string, string>;
    steps: { env?: Record<string, string>; run?: string; with?: Record<string, unknown> }[];
    strategy?: { matrix?: { stack?: string[] } };
}
const workflow = parse(fs.readFileSync(path.join(__dirname, "../.github/workflows/switchyard.yml"), "utf8")) as {
    on: Record<string, unknown>;
    env?: Record<string, string>;
    jobs: Record<string, Job>;
};
const usesSecrets = (v: unknown) => /\$\{\{\s*secrets\./.test(JSON.stringify(v ?? {}));
const prJobs = Object.entries(workflow.jobs).filter(([, j]) => j.if?.includes("'pull_request'"));

describe("CI template", () => {
    test("no secret at workflow level: each job that needs one names its environment", () => {
        expect(usesSecrets(workflow.env)).toBe(false);
        for (const [name, job] of Object.entries(workflow.jobs)) {
            if (usesSecrets(job)) {
                expect({ name, environment: job.environment }).toEqual({ name, environment: expect.any(String) });
            }
        }
    });

    test("pull requests: a check without secrets for every PR; secret jobs never run for forks", () => {
        const withoutSecrets = prJobs.filter(([, j]) => !usesSecrets(j));
        expect(withoutSecrets.map(([n]) => n)).toEqual(["checks"]);
        expect(withoutSecrets[0][1].if).not.toContain("head.repo.full_name");
        for (const [name, job] of prJobs.filter(([, j]) => usesSecrets(j))) {
            expect({ name, if: job.if }).toEqual({
                name,
                if: expect.stringContaining("github.event.pull_request.head.repo.full_name == github.repository"),
            });
        }
        // pull_request_target would run with the base repository's secrets.
        expect(Object.keys(workflow.on)).not.toContain("pull_request_target");
    });

    test("production previews and promotions run in the production environment; drift in its own", () => {
        const preview = workflow.jobs.preview;
        expect(preview.strategy?.matrix?.stack).toContain("production");
        expect(preview.environment).toBe("${{ matrix.stack }}");
        expect(workflow.jobs.promote.environment).toBe("${{ inputs.stack }}");
        expect(workflow.jobs.drift.environment).toBe("${{ matrix.stack }}-drift");
        expect(JSON.stringify(workflow.jobs.promote.steps)).not.toContain("--skip-preview");
    });
});
