import { createHash } from "crypto";
import { configShaOf, renderRouterConfig, RouterSpec } from "../components/routing/nginxConfig";
import { ROUTER_IMAGE_RUNTIME } from "../domain/routerImage";

const { fenceConfig } = require("./router-fence.js") as {
    fenceConfig(text: string, color: string): { text: string; sha: string } | undefined;
};

const spec = (patch: Partial<RouterSpec> = {}): RouterSpec => ({
    stack: "local",
    activeColor: "blue",
    canaryPermille: 250,
    versions: { blue: "1.0.0", green: "1.1.0" },
    upstreams: {
        blue: [{ name: "b1", address: "10.0.0.2", port: 8080 }],
        green: [{ name: "g1", address: "10.0.0.3", port: 8080 }],
    },
    header: { name: "X-Switchyard-Canary", value: "always" },
    cookie: { name: "switchyard_canary" },
    statusPath: "/_switchyard/status",
    runtime: ROUTER_IMAGE_RUNTIME,
    ...patch,
});

describe("route fence", () => {
    test("the idle colour is fenced: every request goes to the active pool, and the sha is the config's own", () => {
        const f = fenceConfig(renderRouterConfig(spec()).text, "green");
        expect(f).toBeDefined();
        expect(f!.text).toContain("proxy_pass http://sy_blue;");
        expect(f!.text).not.toContain("proxy_pass http://$sy_pool;");
        expect(f!.text).toContain("# fenced: green");
        expect(configShaOf(f!.text)).toBe(f!.sha);
        expect(createHash("sha256").update(f!.text.replace(f!.sha, "@@CONFIG_SHA256@@")).digest("hex")).toBe(f!.sha);
    });

    test.each([
        ["the active colour", spec(), "blue"],
        ["a config in maintenance", spec({ maintenanceMessage: "down" }), "green"],
    ])("%s is never fenced", (_, s, color) => {
        expect(fenceConfig(renderRouterConfig(s).text, color)).toBeUndefined();
    });

    test("a config that is not switchyard's is left alone", () => {
        expect(fenceConfig("events {}\nhttp {}\n", "green")).toBeUndefined();
    });
});
