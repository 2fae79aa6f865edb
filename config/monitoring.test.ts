/** monitoring.grafana.push and the secret switchyard:grafanaToken, as the stack config parser reads them. */
import { baseConfig } from "../test/support/program";
import { parseStackConfig } from "./parse";

const TOKEN = "glsa_Switchyard-Test-Token-0123456789abcdef";

describe("config: monitoring.grafana.push and the secret switchyard:grafanaToken", () => {
    const monitoring = (push?: Record<string, unknown>, prometheusUrl: string | null = "http://prometheus.internal:9090") => ({
        enabled: true,
        prometheus: { mode: "container" },
        grafana: { ...(prometheusUrl ? { prometheusUrl } : {}), ...(push ? { push } : {}) },
    });
    const parse = (extra: Record<string, unknown>, secret: string[] = ["secretEnv", "grafanaToken"]) =>
        parseStackConfig("production", { ...baseConfig(), ...extra }, new Set(secret));

    test("push with a secret token: the token joins the push settings; overwrite defaults to true", () => {
        const r = parse({ monitoring: monitoring({ url: "https://grafana.example.com/sub" }), grafanaToken: TOKEN });
        if (!r.ok) throw new Error(r.errors.join("\n"));
        expect(r.config.monitoring.grafana.push).toEqual({ url: "https://grafana.example.com/sub", overwrite: true, token: TOKEN });
    });

    test('no push: Pulumi.yaml\'s default "" is no token and no push', () => {
        const r = parse({ monitoring: monitoring(), grafanaToken: "" }, ["secretEnv"]);
        if (!r.ok) throw new Error(r.errors.join("\n"));
        expect(r.config.monitoring.grafana.push).toBeUndefined();
    });

    test.each([
        [
            "a plain-text token (value never echoed)",
            { monitoring: monitoring({ url: "https://g.example.com" }), grafanaToken: "plain-secret-value" },
            ["secretEnv"],
            /switchyard:grafanaToken: is stored in plain text; the Grafana API token must be a Pulumi secret\. Fix: pulumi config rm grafanaToken, then pulumi config set --secret grafanaToken/,
        ],
        [
            "push without a token",
            { monitoring: monitoring({ url: "https://g.example.com" }) },
            undefined,
            /switchyard:grafanaToken: missing; monitoring.grafana.push sends the dashboard to https:\/\/g.example.com and needs an API token/,
        ],
        [
            "a token without push",
            { monitoring: monitoring(), grafanaToken: TOKEN },
            undefined,
            /switchyard:grafanaToken: set, but monitoring.grafana.push is not configured/,
        ],
        [
            "push without prometheusUrl",
            { monitoring: monitoring({ url: "https://g.example.com" }, null), grafanaToken: TOKEN },
            undefined,
            /switchyard:monitoring.grafana.prometheusUrl: is required with grafana.push: the URL the existing Grafana uses to reach Prometheus/,
        ],
        [
            "credentials in the URL",
            { monitoring: monitoring({ url: "https://admin:admin@g.example.com" }), grafanaToken: TOKEN },
            undefined,
            /switchyard:monitoring.grafana.push.url: must be Grafana's base URL/,
        ],
        [
            "a bad folder uid",
            { monitoring: monitoring({ url: "https://g.example.com", folderUid: "a b" }), grafanaToken: TOKEN },
            undefined,
            /switchyard:monitoring.grafana.push.folderUid: must be a Grafana folder uid/,
        ],
    ])("refuses %s, saying what to fix", (_what, extra, secret, message) => {
        const r = parse(extra, secret);
        expect(r.ok).toBe(false);
        if (r.ok) return;
        expect(r.errors.join("\n")).toMatch(message);
        expect(r.errors.join("\n")).not.toContain("plain-secret-value");
        expect(r.errors.join("\n")).not.toContain(TOKEN);
    });
});
