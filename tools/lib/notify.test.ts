import { notificationsSchema } from "../../config/notifications";
import type { ReleaseEvent } from "../../domain/releaseEvent";
import { Receiver, startReceiver } from "../../test/support/receivers";
import { createNotifier, retryAfterMs } from "./notify";

const event: ReleaseEvent = {
    kind: "rollback",
    at: "2026-01-01T00:00:00.000Z",
    stack: "prod",
    deploymentId: "prod-green-1-2-0-x",
    canaryColor: "green",
    stableColor: "blue",
    versions: { from: "1.2.0", to: "1.1.0" },
    decision: "rollback-level-1",
    reason: "error ratio <b>4%</b>",
};

let r: Record<"ok" | "limited" | "error" | "hang" | "telegram", Receiver>;
beforeAll(async () => {
    r = {
        ok: await startReceiver("ok"),
        limited: await startReceiver("rate-limited", { retryAfter: "1" }),
        error: await startReceiver("error"),
        hang: await startReceiver("hang"),
        telegram: await startReceiver("ok"),
    };
});
afterAll(async () => {
    await Promise.all(Object.values(r ?? {}).map((x) => x.close()));
});

test.each([
    ["7", 0, 7000],
    ["0", 0, 0],
    ["Thu, 01 Jan 2026 00:00:05 GMT", Date.parse("2026-01-01T00:00:00Z"), 5000],
    ["soon", 0, undefined],
    [null, 0, undefined],
])("Retry-After %j", (h, now, ms) => {
    expect(retryAfterMs(h, now)).toBe(ms);
});

test("each sink gets what it should; 429 waits Retry-After; 500 retries; a hanging sink costs its budget and no more", async () => {
    const settings = notificationsSchema.parse({
        sinks: [
            { type: "slack", name: "ok" },
            { type: "webhook", name: "limited" },
            { type: "webhook", name: "error" },
            { type: "slack", name: "hang" },
            { type: "telegram", name: "tg", chatId: "-100123", apiUrl: r.telegram.url },
        ],
        timeoutSeconds: 2.5,
        retries: 2,
        templates: { rollback: "<b>{{stack}}</b> rolled back: {{reason}}" },
    });
    const secrets = { ok: r.ok.url + "/hook", limited: r.limited.url, error: r.error.url, hang: r.hang.url, tg: "123456:ABCDEFGHIJKL" };
    const lines: string[] = [];
    const notify = createNotifier(settings, secrets, (l) => lines.push(l));
    await notify(event);
    expect(r.ok.received.map((x) => [x.path, x.body])).toEqual([
        ["/hook", { text: "<b>prod</b> rolled back: error ratio &lt;b&gt;4%&lt;/b&gt;" }],
    ]);
    expect(r.limited.received).toHaveLength(2);
    expect(r.limited.received[1].at - r.limited.received[0].at).toBeGreaterThanOrEqual(1000);
    expect(r.limited.received[1].body).toMatchObject({
        kind: "rollback",
        stack: "prod",
        deploymentId: "prod-green-1-2-0-x",
        versions: event.versions,
    });
    expect(r.error.received).toHaveLength(3);
    expect(r.hang.received).toHaveLength(1);
    expect(r.telegram.received).toEqual([
        expect.objectContaining({
            path: "/bot123456:ABCDEFGHIJKL/sendMessage",
            body: {
                chat_id: "-100123",
                parse_mode: "HTML",
                disable_web_page_preview: true,
                text: "<b>prod</b> rolled back: error ratio &lt;b&gt;4%&lt;/b&gt;",
            },
        }),
    ]);
    const byName = Object.fromEntries(notify.deliveries.map((d) => [d.sink, d]));
    expect(byName.ok).toMatchObject({ ok: true, attempts: 1, status: 200 });
    expect(byName.limited).toMatchObject({ ok: true, attempts: 2, status: 200 });
    expect(byName.error).toMatchObject({ ok: false, attempts: 3, status: 500 });
    expect(byName.hang).toMatchObject({ ok: false, attempts: 1 });
    expect(byName.hang.error).toMatch(/no answer within 2500 ms/);
    // Logged, and never with a URL or token.
    expect(lines.filter((l) => /NOT delivered/.test(l))).toHaveLength(2);
    expect(lines.join("\n")).not.toMatch(/127\.0\.0\.1|ABCDEFGHIJKL/);
});

test("a Retry-After beyond the budget is not waited for", async () => {
    const limited = await startReceiver("rate-limited", { retryAfter: "30", limited: 5 });
    try {
        const settings = notificationsSchema.parse({ sinks: [{ type: "webhook", name: "w" }], timeoutSeconds: 1, retries: 3 });
        const notify = createNotifier(settings, { w: limited.url }, () => undefined);
        await notify(event);
        // Waiting out Retry-After would have sent a second request (the receiver answers 429 five times).
        expect(limited.received).toHaveLength(1);
        expect(notify.deliveries[0].error).toMatch(/Retry-After 30 s is beyond the 1000 ms budget/);
    } finally {
        await limited.close();
    }
});

test("a failed scheduled backup run: the built-in text escaped per sink, never the release's failure template; the webhook gets the event", async () => {
    const ok = await startReceiver("ok");
    const tg = await startReceiver("ok");
    try {
        const settings = notificationsSchema.parse({
            sinks: [
                { type: "slack", name: "s" },
                { type: "telegram", name: "t", chatId: "-100123", apiUrl: tg.url },
                { type: "webhook", name: "w" },
            ],
            templates: { failure: "{{from}} → {{to}} failed" },
        });
        const notify = createNotifier(settings, { s: `${ok.url}/slack`, t: "123456:ABCDEFGHIJKL", w: `${ok.url}/hook` }, () => undefined);
        const e = {
            kind: "failure",
            subject: "scheduled-backup",
            at: "2026-01-01T03:15:09.000Z",
            stack: "prod",
            reason: "backup source postgres 'app' failed: <refused>",
            durationSeconds: 2.04,
        } as const;
        await notify(e);
        const bodies = Object.fromEntries(ok.received.map((x) => [x.path, x.body]));
        const text = (reason: string) =>
            `prod: scheduled backup FAILED after 2.0 s: ${reason} (nothing was published; earlier snapshots are kept)`;
        expect(bodies).toEqual({
            "/slack": { text: text("backup source postgres 'app' failed: &lt;refused&gt;") },
            "/hook": { ...e, text: text("backup source postgres 'app' failed: <refused>") },
        });
        expect((tg.received[0].body as { text: string }).text).toBe(text("backup source postgres 'app' failed: &lt;refused&gt;"));
        expect(notify.deliveries.map((d) => d.ok)).toEqual([true, true, true]);
    } finally {
        await Promise.all([ok.close(), tg.close()]);
    }
});
