import { appContainerPolicy, goDurationSeconds, known, show, UNKNOWN } from "./lib";

interface Healthcheck {
    tests?: unknown;
    interval?: unknown;
    timeout?: unknown;
    retries?: unknown;
    startPeriod?: unknown;
}

/** What is wrong with an app container's Docker health check (empty when it is fine). */
export function healthcheckProblems(hc: unknown): string[] {
    const fix = 'set app.healthcheck (path, or command ["CMD", ...]) so the program gives every app container a Docker HEALTHCHECK';
    if (hc === undefined || hc === null) {
        return [`app container has no health check; ${fix}`];
    }
    if (typeof hc !== "object" || Array.isArray(hc)) {
        return [`app container health check is malformed (${show(hc)}); ${fix}`];
    }
    const h = hc as Healthcheck;
    const problems: string[] = [];
    const tests = h.tests;
    if (!Array.isArray(tests) || tests.length === 0 || tests.some((t) => typeof t !== "string")) {
        problems.push(`app container health check has no test command (tests = ${show(tests)}); ${fix}`);
    } else if (tests[0] === "NONE") {
        problems.push(`app container health check is disabled (tests = ["NONE"]); ${fix}`);
    } else if (!["CMD", "CMD-SHELL"].includes(tests[0] as string) || tests.length < 2 || (tests[1] as string).trim() === "") {
        problems.push(
            `app container health check test ${show(tests)} must be ["CMD", program, args...] or ["CMD-SHELL", "command"]; ${fix}`,
        );
    }
    for (const k of ["interval", "timeout"] as const) {
        const v = h[k];
        if (v !== undefined && v !== "" && !((goDurationSeconds(v as string) ?? 0) > 0)) {
            problems.push(
                `app container health check ${k} ${show(v)} must be a positive duration such as 5s; set app.healthcheck.${k}Seconds`,
            );
        }
    }
    if (h.retries !== undefined && !(Number.isInteger(h.retries) && (h.retries as number) >= 1)) {
        problems.push(`app container health check retries ${show(h.retries)} must be a whole number >= 1; set app.healthcheck.retries`);
    }
    return problems;
}

export const appHealthcheckRequired = appContainerPolicy(
    {
        name: "app-healthcheck-required",
        description: "Every app container (under a ColorStack) has a Docker health check with a real test command.",
        remediationSteps: "Keep app.healthcheck in the stack config (path or command); do not set the test to NONE.",
    },
    (args) => {
        const hc = known(() => args.props.healthcheck as unknown);
        // The program always passes a plain health check; an unknown one has nothing to judge yet.
        return hc === UNKNOWN ? [] : healthcheckProblems(hc);
    },
);
