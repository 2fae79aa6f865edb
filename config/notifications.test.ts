import { parseStackConfig } from "./parse";

const base = {
    activeColor: "blue",
    colors: { blue: { version: "1.0.0" }, green: { version: "1.1.0" } },
    app: { image: "registry.example.com/team/app" },
};
const sinks = {
    sinks: [
        { type: "slack", name: "ops" },
        { type: "telegram", name: "tg", chatId: -1001234 },
        { type: "webhook", name: "hook" },
    ],
};
const secrets = { ops: "https://hooks.slack.com/services/T0/B0/x", tg: "123456:ABCDEFGHIJKLMN", hook: "https://example.com/hook" };

function parse(raw: Record<string, unknown>, secret = new Set(["notificationSecrets"])) {
    return parseStackConfig("prod", { ...base, ...raw }, secret);
}

test("sinks with their secrets: typed settings and the secrets apart; defaults documented", () => {
    const r = parse({ notifications: sinks, notificationSecrets: secrets, records: { target: { type: "backup" } }, latestRecord: "" });
    if (!r.ok) throw new Error(r.errors.join("\n"));
    expect(r.config.notifications).toEqual({
        sinks: [
            { type: "slack", name: "ops" },
            { type: "telegram", name: "tg", chatId: "-1001234", apiUrl: "https://api.telegram.org" },
            { type: "webhook", name: "hook" },
        ],
        timeoutSeconds: 5,
        retries: 2,
        templates: {},
    });
    expect(r.notificationSecrets).toEqual(secrets);
    expect(r.config.records).toEqual({ target: { type: "backup" } });
    expect(r.config.latestRecord).toBeUndefined();
});

test("nothing configured: no sinks, records not kept", () => {
    const r = parse({ notifications: {}, notificationSecrets: {}, records: {} }, new Set());
    if (!r.ok) throw new Error(r.errors.join("\n"));
    expect(r.config.notifications.sinks).toEqual([]);
    expect(r.config.records.target).toBeUndefined();
    expect(r.notificationSecrets).toEqual({});
});

test.each([
    [
        "plain-text notificationSecrets",
        { notifications: sinks, notificationSecrets: secrets },
        new Set<string>(),
        /^switchyard:notificationSecrets: is stored in plain text; webhook URLs and bot tokens must be Pulumi secrets\. Fix: pulumi config rm notificationSecrets/,
    ],
    [
        "a sink without its secret",
        { notifications: sinks, notificationSecrets: { ops: secrets.ops, tg: secrets.tg } },
        undefined,
        /^switchyard:notifications\.sinks 'hook': needs its URL: pulumi config set --secret --path 'notificationSecrets\.hook' VALUE$/,
    ],
    [
        "a secret without its sink",
        { notifications: sinks, notificationSecrets: { ...secrets, old: "https://x" } },
        undefined,
        /^switchyard:notificationSecrets\.old: no notifications\.sinks entry is named 'old'/,
    ],
    [
        "a telegram secret that is not a bot token",
        { notifications: sinks, notificationSecrets: { ...secrets, tg: "https://api.telegram.org" } },
        undefined,
        /^switchyard:notificationSecrets\.tg: must be a bot token \(123456:ABC\.\.\.\) \(got a secret value that is not\)$/,
    ],
    [
        "two sinks with one name",
        { notifications: { sinks: [sinks.sinks[0], { type: "webhook", name: "ops" }] } },
        undefined,
        /sinks\[1\]\.name: is used by two sinks/,
    ],
    [
        "an unknown sink type",
        { notifications: { sinks: [{ type: "email", name: "x" }] } },
        undefined,
        /switchyard:notifications\.sinks\[0\]/,
    ],
    ["a template for an unknown event", { notifications: { templates: { deploy: "x" } } }, undefined, /must be one of release-start, step/],
    [
        "a timeout of 0",
        { notifications: { timeoutSeconds: 0 } },
        undefined,
        /switchyard:notifications\.timeoutSeconds: must be at least 0\.1 s/,
    ],
    [
        "a relative records root",
        { records: { target: { type: "local", root: "records" } } },
        undefined,
        /switchyard:records\.target\.root: must be an absolute directory path/,
    ],
    ["an edited latestRecord", { latestRecord: "mine" }, undefined, /switchyard:latestRecord: must be a record id written by switchyard/],
])("refused: %s", (_, raw, secret, message) => {
    const r = parse(raw, secret);
    expect(r.ok).toBe(false);
    if (!r.ok) {
        expect(r.errors.some((e) => message.test(e))).toBe(true);
        expect(r.errors.join("\n")).not.toContain("ABCDEFGHIJ");
    }
});
