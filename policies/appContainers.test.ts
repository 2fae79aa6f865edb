import { appHealthcheckRequired } from "./appHealthcheckRequired";
import { appResourceLimits } from "./appResourceLimits";
import { TYPES } from "./lib";
import { appContainerProps, messages, runResource, UNKNOWN_VALUE } from "../test/support/policies";

const APP: string[] = [TYPES.stack, TYPES.colorStack];
const container = (patch: Record<string, unknown>, parents = APP, config: object = {}) => ({
    type: TYPES.container,
    name: "app-green-1",
    parents,
    config,
    props: Object.fromEntries(Object.entries({ ...appContainerProps("green", 1), ...patch }).filter(([, v]) => v !== undefined)),
});
const hc = appContainerProps("green", 1).healthcheck as Record<string, unknown>;

describe("app-healthcheck-required", () => {
    test("known-good app container passes", async () => {
        expect(messages(await runResource(appHealthcheckRequired, container({})))).toEqual([]);
    });
    test.each([
        [{ healthcheck: undefined }, "app-green-1: app container has no health check; set app.healthcheck"],
        [{ healthcheck: { ...hc, tests: [] } }, "has no test command"],
        [{ healthcheck: { ...hc, tests: ["NONE"] } }, "health check is disabled"],
        [{ healthcheck: { ...hc, tests: ["curl", "-f", "http://x"] } }, 'must be ["CMD", program, args...] or ["CMD-SHELL", "command"]'],
        [{ healthcheck: { ...hc, tests: ["CMD-SHELL", " "] } }, 'must be ["CMD"'],
        [{ healthcheck: { ...hc, interval: "0s" } }, 'interval "0s" must be a positive duration'],
        [{ healthcheck: { ...hc, timeout: "soon" } }, 'timeout "soon" must be a positive duration'],
        [{ healthcheck: { ...hc, retries: 0 } }, "retries 0 must be a whole number >= 1"],
    ])("breaking %p is reported", async (patch, msg) => {
        const m = messages(await runResource(appHealthcheckRequired, container(patch)));
        expect(m).toHaveLength(1);
        expect(m[0]).toContain(msg);
    });
    test("the router container (not under a ColorStack) is not an app container", async () => {
        const o = await runResource(
            appHealthcheckRequired,
            container({ healthcheck: undefined }, [TYPES.stack, "switchyard:routing:RouterContainer"]),
        );
        expect(messages(o)).toEqual([]);
    });
    test("unknown health check at preview does not escape the policy", async () => {
        const o = await runResource(appHealthcheckRequired, container({ healthcheck: UNKNOWN_VALUE }));
        expect(o).toEqual({ violations: [] });
    });
});

describe("app-resource-limits", () => {
    test("known-good app container passes", async () => {
        expect(messages(await runResource(appResourceLimits, container({})))).toEqual([]);
    });
    test.each([
        [{ memory: undefined }, "app-green-1: app container has no memory limit (memory = nothing); set app.resources.memoryMb (e.g. 256)"],
        [{ memory: 0 }, "app-green-1: app container has no memory limit (memory = 0); set app.resources.memoryMb (e.g. 256)"],
        [{ memory: 8 }, "app-green-1: app container memory limit 8 MB is below the minimum 16 MB; raise app.resources.memoryMb"],
        [{ cpus: undefined }, "app-green-1: app container has no CPU limit (cpus = nothing); set app.resources.cpus (e.g. 0.5)"],
        [{ cpus: "" }, 'app-green-1: app container has no CPU limit (cpus = ""); set app.resources.cpus (e.g. 0.5)'],
        [{ cpus: "0" }, 'app-green-1: app container has no CPU limit (cpus = "0"); set app.resources.cpus (e.g. 0.5)'],
        [{ cpus: "lots" }, 'app-green-1: app container has no CPU limit (cpus = "lots"); set app.resources.cpus (e.g. 0.5)'],
    ])("breaking %p is reported", async (patch, msg) => {
        expect(messages(await runResource(appResourceLimits, container(patch)))).toEqual([msg]);
    });
    test("stack bounds from policy config", async () => {
        const cfg = { minMemoryMb: 128, maxMemoryMb: 4096, maxCpus: 2 };
        expect(messages(await runResource(appResourceLimits, container({}, APP, cfg)))).toEqual([]);
        expect(messages(await runResource(appResourceLimits, container({ memory: 64 }, APP, cfg)))).toEqual([
            "app-green-1: app container memory limit 64 MB is below the minimum 128 MB; raise app.resources.memoryMb",
        ]);
        expect(messages(await runResource(appResourceLimits, container({ memory: 8192, cpus: "4" }, APP, cfg)))).toEqual([
            "app-green-1: app container memory limit 8192 MB is above the maximum 4096 MB for this stack; lower app.resources.memoryMb",
            "app-green-1: app container CPU limit 4 is above the maximum 2 for this stack; lower app.resources.cpus",
        ]);
    });
    test("router container is not checked; unknown limits are not judged", async () => {
        expect(messages(await runResource(appResourceLimits, container({ memory: undefined }, [TYPES.stack])))).toEqual([]);
        expect(await runResource(appResourceLimits, container({ memory: UNKNOWN_VALUE, cpus: UNKNOWN_VALUE }))).toEqual({ violations: [] });
    });
});
