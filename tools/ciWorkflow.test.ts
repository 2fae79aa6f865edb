/**
 * The CI template users copy (.github/workflows/switchyard.yml): secrets reach only jobs that run
 * in a GitHub environment, pull-request code from forks gets none, and production previews and
 * promotions run in the protected `production` environment.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";

interface Step {
    env?: Record<string, string>;
    run?: string;
    uses?: string;
    with?: Record<string, unknown>;
}
interface Job {
    if?: string;
    environment?: string;
    env?: Record<string, string>;
    needs?: string | string[];
    concurrency?: string | { group: string; "cancel-in-progress"?: boolean };
    permissions?: Record<string, string>;
    steps: Step[];
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

    test("every action from outside GitHub is pinned by a full commit sha", () => {
        for (const [name, job] of Object.entries(workflow.jobs)) {
            for (const step of job.steps.filter((x) => x.uses && !x.uses.startsWith("actions/"))) {
                expect({ name, uses: step.uses }).toEqual({ name, uses: expect.stringMatching(/^[\w-]+\/[\w-]+@[0-9a-f]{40}$/) });
            }
        }
    });

    test("pull-request preview: pulumi/actions with the policy pack, one PR comment edited in place", () => {
        const step = workflow.jobs.preview.steps.find((x) => x.uses?.startsWith("pulumi/actions@") && x.with?.command === "preview");
        expect(step?.with).toMatchObject({
            "stack-name": "${{ matrix.stack }}",
            policyPacks: "policies",
            "comment-on-pr": true,
            "edit-pr-comment": true,
        });
        expect(workflow.jobs.preview.permissions).toEqual({ contents: "read", "pull-requests": "write" });
    });

    test("release tag: scan gate on the exact digest (HIGH/CRITICAL fail, scanner version pinned), then switchyard release per stack, never cancelled", () => {
        expect(workflow.on.push).toEqual({ tags: ["v*"] });
        const scan = workflow.jobs["image-scan"];
        expect(usesSecrets(scan)).toBe(false);
        const trivy = scan.steps.find((x) => x.uses?.startsWith("aquasecurity/trivy-action@"));
        expect(trivy?.with).toMatchObject({
            severity: "HIGH,CRITICAL",
            "exit-code": "1",
            "image-ref": "${{ steps.digest.outputs.image }}",
        });
        expect(String(trivy?.with?.version)).toMatch(/^v\d+\.\d+\.\d+$/);
        expect(JSON.stringify(scan.steps)).toContain("image=$APP_IMAGE@$digest");
        const release = workflow.jobs.release;
        expect(release.needs).toBe("image-scan");
        expect(release.environment).toBe("${{ matrix.stack }}");
        expect(release.strategy?.matrix?.stack).toEqual(["staging", "production"]);
        expect(release.concurrency).toEqual({ group: "stack-${{ matrix.stack }}", "cancel-in-progress": false });
        const last = release.steps[release.steps.length - 1];
        expect(last.run).toBe('npx switchyard release "${GITHUB_REF_NAME#v}" --stack ${{ matrix.stack }}');
        // The same concurrency group as the drift check and the manual promotion.
        expect(workflow.jobs.drift.concurrency).toBe("stack-${{ matrix.stack }}");
    });

    test("actionlint finds nothing in .github/workflows (built from its Go module once, then cached)", () => {
        const r = spawnSync("bash", [path.join(__dirname, "../scripts/actionlint.sh")], { encoding: "utf8" });
        expect({ code: r.status, out: `${r.stdout}${r.stderr}`.replace(/^actionlint: building.*\n|^go: downloading.*\n/gm, "") }).toEqual({
            code: 0,
            out: "",
        });
        // And it does find things: an unknown runner label and an undefined job output.
        const bad = "on: push\njobs:\n  a:\n    runs-on: ubuntu-latst\n    steps:\n      - run: echo ${{ needs.b.outputs.x }}\n";
        const b = spawnSync("bash", [path.join(__dirname, "../scripts/actionlint.sh"), "-"], { encoding: "utf8", input: bad });
        expect(b.status).toBe(1);
        expect(b.stdout).toMatch(/ubuntu-latst/);
    }, 600_000);
});
