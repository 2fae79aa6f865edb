import { z } from "zod";
import { RECORD_ID } from "../domain/deploymentRecord";
import { RELEASE_EVENT_KINDS } from "../domain/releaseEvent";
import { num } from "./fields";

/**
 * Config keys `switchyard:notifications`, `switchyard:notificationSecrets`, `switchyard:records` and
 * `switchyard:latestRecord`. Only the operator commands use them (the program only shows
 * latestRecord as an output). Webhook URLs and bot tokens never appear here: each sink names an entry
 * of the secret map `switchyard:notificationSecrets`, which parse.ts requires to be a Pulumi secret.
 */

const SINK_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;
const sinkName = z.string({ error: "must be a sink name" }).regex(SINK_NAME, {
    error: "must be 1-63 letters, digits, '_' or '-' (it names the notificationSecrets entry)",
});

const sink = z.discriminatedUnion(
    "type",
    [
        /** Slack incoming webhook: notificationSecrets.<name> is the webhook URL. */
        z.strictObject({ type: z.literal("slack"), name: sinkName }),
        /** Telegram Bot API sendMessage: notificationSecrets.<name> is the bot token. */
        z.strictObject({
            type: z.literal("telegram"),
            name: sinkName,
            chatId: z
                .union([z.string(), z.number()])
                .transform(String)
                .pipe(z.string().regex(/^(-?\d{1,20}|@[A-Za-z0-9_]{5,32})$/, { error: "must be a chat id (-100123...) or @channelname" })),
            /** Bot API base URL. @default "https://api.telegram.org" */
            apiUrl: z
                .string()
                .regex(/^https?:\/\/[^\s/]+(\/\S*)?$/, { error: "must be an http(s) URL such as https://api.telegram.org" })
                .default("https://api.telegram.org"),
        }),
        /** Generic JSON webhook: notificationSecrets.<name> is the URL; the body is the event as JSON plus `text`. */
        z.strictObject({ type: z.literal("webhook"), name: sinkName }),
    ],
    { error: "must be {type: slack, name}, {type: telegram, name, chatId} or {type: webhook, name}" },
);

export const notificationsSchema = z
    .strictObject({
        sinks: z.array(sink).default([]),
        /**
         * Budget per event and sink, retries included: a slow or down sink never holds a release or a
         * rollback longer than this. @default 5
         */
        timeoutSeconds: num(z.number().min(0.1, { error: "must be at least 0.1 s" }).max(60, { error: "must be at most 60 s" })).default(5),
        /** Retries after a 429 or 5xx answer (Retry-After honoured within the budget). @default 2 */
        retries: num(z.number().int({ error: "must be a whole number" }).min(0).max(10)).default(2),
        /** Text per event kind with {{field}} placeholders (domain/notificationText.ts). @default - built-in texts */
        templates: z
            .partialRecord(
                z.enum(RELEASE_EVENT_KINDS, { error: `must be one of ${RELEASE_EVENT_KINDS.join(", ")}` }),
                z.string().min(1).max(2000),
            )
            .default({}),
    })
    .superRefine((n, ctx) => {
        const seen = new Set<string>();
        n.sinks.forEach((s, i) => {
            if (seen.has(s.name)) {
                ctx.addIssue({
                    code: "custom",
                    path: ["sinks", i, "name"],
                    input: s.name,
                    message: "is used by two sinks; give each its own notificationSecrets entry",
                });
            }
            seen.add(s.name);
        });
    });

export type NotificationSettings = z.output<typeof notificationsSchema>;
export type SinkSettings = NotificationSettings["sinks"][number];

/** Where deployment records are kept. `backup`: next to the snapshots, under `records/`. */
export const recordsSchema = z.strictObject({
    target: z
        .discriminatedUnion(
            "type",
            [
                z.strictObject({
                    type: z.literal("local"),
                    root: z.string().regex(/^\/[^\u0000-\u001f]*$/, {
                        error: "must be an absolute directory path such as /var/lib/switchyard/records",
                    }),
                }),
                z.strictObject({ type: z.literal("backup") }),
            ],
            { error: "must be {type: local, root: /abs/dir} or {type: backup} (the snapshot target, under records/)" },
        )
        .optional(),
});
export type RecordSettings = z.output<typeof recordsSchema>;

export const latestRecordSchema = z.string().regex(RECORD_ID, { error: "must be a record id written by switchyard (do not edit it)" });

/**
 * notificationSecrets: every sink needs its entry, and every entry a sink. Values are checked for
 * shape only (never echoed): a URL for slack/webhook, a bot token for telegram.
 */
export function checkNotificationSecrets(
    raw: unknown,
    isSecret: boolean,
    notifications: NotificationSettings | null,
    prefix: string,
): { secrets: Record<string, string>; errors: string[] } {
    const errors: string[] = [];
    const secrets: Record<string, string> = {};
    const empty = raw === undefined || (raw !== null && typeof raw === "object" && !Array.isArray(raw) && Object.keys(raw).length === 0);
    if (!empty && !isSecret) {
        errors.push(
            `${prefix}:notificationSecrets: is stored in plain text; webhook URLs and bot tokens must be Pulumi secrets. ` +
                "Fix: pulumi config rm notificationSecrets, then pulumi config set --secret --path 'notificationSecrets.NAME' VALUE",
        );
        return { secrets, errors };
    }
    const map = empty ? {} : raw;
    if (map === null || typeof map !== "object" || Array.isArray(map)) {
        errors.push(
            `${prefix}:notificationSecrets: must be a map of sink name to URL or token; set entries with pulumi config set --secret --path 'notificationSecrets.NAME' VALUE`,
        );
        return { secrets, errors };
    }
    const sinks = notifications?.sinks ?? [];
    const byName = new Map(sinks.map((s) => [s.name, s]));
    for (const [k, v] of Object.entries(map as Record<string, unknown>)) {
        const s = byName.get(k);
        if (!s) {
            errors.push(
                `${prefix}:notificationSecrets.${k}: no notifications.sinks entry is named '${k}'; remove it (pulumi config rm --path 'notificationSecrets.${k}') or add the sink`,
            );
        } else if (typeof v !== "string") {
            errors.push(`${prefix}:notificationSecrets.${k}: must be a string`);
        } else if (s.type === "telegram" ? !/^\d+:[A-Za-z0-9_-]{10,}$/.test(v) : !/^https?:\/\/\S+$/.test(v)) {
            errors.push(
                `${prefix}:notificationSecrets.${k}: must be ${s.type === "telegram" ? "a bot token (123456:ABC...)" : "an http(s) URL"} (got a secret value that is not)`,
            );
        } else {
            secrets[k] = v;
        }
    }
    for (const s of sinks) {
        if (!(s.name in (map as Record<string, unknown>))) {
            errors.push(
                `${prefix}:notifications.sinks '${s.name}': needs its ${s.type === "telegram" ? "bot token" : "URL"}: ` +
                    `pulumi config set --secret --path 'notificationSecrets.${s.name}' VALUE`,
            );
        }
    }
    return { secrets, errors };
}
