/**
 * Notification sinks: Slack incoming webhook, Telegram sendMessage (parse_mode HTML) and a generic
 * JSON webhook, fed ReleaseEvents (and the backup runner's BackupFailureEvents). Each event goes to every sink at once; each sink has a budget
 * (notifications.timeoutSeconds) that covers its retries and Retry-After waits, so a slow or down
 * sink never holds the caller longer than that. Failures are logged (sink name and status, never
 * the URL or token) and never thrown.
 */
import type { NotificationSettings, SinkSettings } from "../../config/notifications";
import {
    BACKUP_FAILURE_TEMPLATE,
    backupFailureFields,
    DEFAULT_TEMPLATES,
    renderTemplate,
    templateFields,
    TextFormat,
} from "../../domain/notificationText";
import type { NotificationEvent } from "../../domain/releaseEvent";

/** What happened at one sink for one event. */
export interface Delivery {
    sink: string;
    type: SinkSettings["type"];
    ok: boolean;
    attempts: number;
    /** The last HTTP status; absent when no answer came. */
    status?: number;
    ms: number;
    /** Why it failed (timeout, status, Retry-After beyond the budget). */
    error?: string;
}

export type Notifier = ((e: NotificationEvent, extra?: Readonly<Record<string, string>>) => Promise<void>) & {
    /** Every delivery so far, in the order they ended. */
    readonly deliveries: readonly Delivery[];
};

const FORMAT: Record<SinkSettings["type"], TextFormat> = { slack: "slack", telegram: "html", webhook: "plain" };

/** Request for one sink: the URL holds the secret, so it is never logged. */
export function sinkRequest(
    sink: SinkSettings,
    secret: string,
    e: NotificationEvent,
    text: string,
): { url: string; body: Record<string, unknown> } {
    switch (sink.type) {
        case "slack":
            return { url: secret, body: { text } };
        case "telegram":
            return {
                url: `${sink.apiUrl.replace(/\/+$/, "")}/bot${secret}/sendMessage`,
                body: { chat_id: sink.chatId, text, parse_mode: "HTML", disable_web_page_preview: true },
            };
        case "webhook":
            return { url: secret, body: { ...e, text } };
    }
}

/** Seconds to wait from a Retry-After header (delta-seconds or an HTTP date); undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now: number): number | undefined {
    if (header === null || header.trim() === "") return undefined;
    const t = header.trim();
    if (/^\d+$/.test(t)) return Number(t) * 1000;
    const at = Date.parse(t);
    return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function deliver(
    sink: SinkSettings,
    secret: string,
    req: { url: string; body: Record<string, unknown> },
    budgetMs: number,
    retries: number,
): Promise<Delivery> {
    const t0 = Date.now();
    const deadline = t0 + budgetMs;
    const done = (d: Omit<Delivery, "sink" | "type" | "ms">): Delivery => ({ sink: sink.name, type: sink.type, ms: Date.now() - t0, ...d });
    let attempts = 0;
    let status: number | undefined;
    let error = "";
    while (attempts <= retries) {
        const left = deadline - Date.now();
        if (left <= 0) break;
        attempts++;
        let wait: number | undefined;
        try {
            const res = await fetch(req.url, {
                method: "POST",
                headers: { "content-type": "application/json" },
                body: JSON.stringify(req.body),
                signal: AbortSignal.timeout(left),
            });
            status = res.status;
            await res.arrayBuffer().catch(() => undefined);
            if (res.ok) return done({ ok: true, attempts, status });
            if (res.status !== 429 && res.status < 500) return done({ ok: false, attempts, status, error: `answered ${res.status}` });
            error = `answered ${res.status}`;
            wait = retryAfterMs(res.headers.get("retry-after"), Date.now());
        } catch (e) {
            const name = (e as Error).name;
            error =
                name === "TimeoutError" || name === "AbortError"
                    ? `no answer within ${budgetMs} ms`
                    : `request failed: ${(e as Error).message.split(secret).join("***")}`;
        }
        if (attempts > retries) break;
        const delay = wait ?? Math.min(200 * 2 ** (attempts - 1), 2000);
        if (Date.now() + delay >= deadline) {
            error += wait !== undefined ? `; Retry-After ${Math.round(wait / 1000)} s is beyond the ${budgetMs} ms budget` : "";
            break;
        }
        await sleep(delay);
    }
    return done({ ok: false, attempts, ...(status !== undefined ? { status } : {}), error: error || `no attempt within ${budgetMs} ms` });
}

/**
 * `createNotifier(settings, secrets, log)`: a function that sends an event to every sink and
 * resolves when each delivered or spent its budget; it never throws. `extra` adds template fields
 * (e.g. `notes`, the release notes' summary).
 */
export function createNotifier(
    settings: NotificationSettings,
    secrets: Readonly<Record<string, string>>,
    log: (line: string) => void,
): Notifier {
    const deliveries: Delivery[] = [];
    const budgetMs = Math.round(settings.timeoutSeconds * 1000);
    const notify = async (e: NotificationEvent, extra: Readonly<Record<string, string>> = {}): Promise<void> => {
        const backup = "subject" in e;
        const fields = backup ? { ...backupFailureFields(e), ...extra } : templateFields(e, extra);
        const template = backup ? BACKUP_FAILURE_TEMPLATE : (settings.templates[e.kind] ?? DEFAULT_TEMPLATES[e.kind]);
        await Promise.all(
            settings.sinks.map(async (sink) => {
                const secret = secrets[sink.name];
                let d: Delivery;
                if (secret === undefined) {
                    d = { sink: sink.name, type: sink.type, ok: false, attempts: 0, ms: 0, error: "no notificationSecrets entry" };
                } else {
                    try {
                        const text = renderTemplate(template, fields, FORMAT[sink.type]);
                        d = await deliver(sink, secret, sinkRequest(sink, secret, e, text), budgetMs, settings.retries);
                    } catch (err) {
                        d = {
                            sink: sink.name,
                            type: sink.type,
                            ok: false,
                            attempts: 0,
                            ms: 0,
                            error: String(err).split(secret).join("***"),
                        };
                    }
                }
                deliveries.push(d);
                log(
                    d.ok
                        ? `notification ${e.kind} -> ${sink.type} '${sink.name}': delivered (${d.attempts} attempt${d.attempts === 1 ? "" : "s"}, ${d.ms} ms)`
                        : `notification ${e.kind} -> ${sink.type} '${sink.name}': NOT delivered after ${d.attempts} attempt(s), ${d.ms} ms: ${d.error}`,
                );
            }),
        );
    };
    return Object.assign(notify, { deliveries });
}
