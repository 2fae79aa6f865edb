import { z } from "zod";
import { parseDuration } from "../domain/duration";
import { bool, num, wholeNumber } from "./fields";

/**
 * Config key `switchyard:release`: the plan `switchyard release <version>` follows. Same style as
 * schema.ts; the driver (tools/release) reads the parsed value, the program itself ignores it.
 *
 *   release:
 *     steps: [{weight: 0.5, pause: 2m}, {weight: 10, pause: 5m}, 25, 50, 100]
 *     stepPause: 2m                # pause of a step written as a bare weight
 *     analysis: {interval: 30s, failureLimit: 0, inconclusiveLimit: 1, consecutiveErrorLimit: 3, minRequests: 50,
 *                thresholds: {errorRatio: 0.01, p95Seconds: 1},
 *                relative: {errorRatioDelta: 0.01, p95Factor: 2, p95FloorSeconds: 0.1}}
 *     watch: {duration: 5m, maxErrors: 3, interval: 15s}
 *     synthetic: {enabled: false, ratePerSecond: 5, path: /}
 */

const durationText = (example: string) =>
    z
        .string({ error: `must be a duration such as ${example} (ms, s, m, h)` })
        .refine((t) => parseDuration(t) !== undefined, { error: `must be a duration such as ${example} (ms, s, m, h)` });

const pause = z
    .string({ error: 'must be a duration such as 30s or 2m, or "indefinite" (wait for switchyard release promote)' })
    .refine((t) => t === "indefinite" || parseDuration(t) !== undefined, {
        error: 'must be a duration such as 30s or 2m, or "indefinite" (wait for switchyard release promote)',
    });

const weight = num(
    z
        .number({ error: "must be a canary weight in percent, 0 to 100" })
        .min(0, { error: "must be from 0 (header-only) to 100 (promote)" })
        .max(100, { error: "must be from 0 (header-only) to 100 (promote)" })
        .refine((w) => Math.abs(Math.round(w * 10) - w * 10) < 1e-6, { error: "must be a multiple of 0.1 (routing resolution is 0.1%)" }),
);

const step = z.union([weight, z.strictObject({ weight, pause: pause.optional() })], {
    error: 'each step is a weight (e.g. 25) or {weight, pause} (e.g. {weight: 10, pause: "5m"})',
});

const share = (what: string) =>
    num(
        z
            .number({ error: `${what} must be a number` })
            .min(0, { error: `${what} must be at least 0 (a share: 0.01 = 1%)` })
            .max(1, { error: `${what} must be at most 1 (a share: 0.01 = 1%)` }),
    );
const secondsField = num(z.number({ error: "must be a number of seconds" }).gt(0, { error: "must be more than 0 s" }).max(600));

export const releaseSchema = z
    .strictObject({
        steps: z
            .array(step)
            .min(1, { error: "must list at least one step, e.g. [10, 25, 50, 100]" })
            .default([10, 25, 50, 100])
            .superRefine((steps, ctx) => {
                steps.forEach((s, i) => {
                    const w = typeof s === "number" ? s : s.weight;
                    if (w === 100 && i !== steps.length - 1) {
                        ctx.addIssue({
                            code: "custom",
                            path: [i],
                            input: s,
                            message: "weight 100 promotes the release, so it can only be the last step; remove the steps after it",
                        });
                    }
                });
            }),
        stepPause: durationText("2m").default("2m"),
        analysis: z
            .strictObject({
                interval: durationText("30s").default("30s"),
                failureLimit: wholeNumber(0, 100).default(0),
                inconclusiveLimit: wholeNumber(0, 100).default(1),
                consecutiveErrorLimit: wholeNumber(0, 100).default(3),
                minRequests: wholeNumber(0, 1_000_000).default(50),
                thresholds: z
                    .strictObject({ errorRatio: share("errorRatio").default(0.01), p95Seconds: secondsField.default(1) })
                    .prefault({}),
                relative: z
                    .strictObject({
                        errorRatioDelta: share("errorRatioDelta").default(0.01),
                        p95Factor: num(z.number().min(1, { error: "must be at least 1 (canary p95 at most factor x stable p95)" })).default(
                            2,
                        ),
                        p95FloorSeconds: num(z.number().min(0).max(600)).default(0.1),
                    })
                    .prefault({}),
            })
            .prefault({}),
        watch: z
            .strictObject({
                duration: durationText("5m").default("5m"),
                maxErrors: wholeNumber(0, 1_000_000).default(3),
                interval: durationText("15s").default("15s"),
            })
            .prefault({}),
        synthetic: z
            .strictObject({
                enabled: bool().default(false),
                ratePerSecond: num(z.number().gt(0).max(1000, { error: "must be at most 1000 requests per second" })).default(5),
                path: z
                    .string()
                    .regex(/^\/[A-Za-z0-9_\-./~%?=&]*$/, { error: "must be an absolute URL path, e.g. /" })
                    .default("/"),
            })
            .prefault({}),
    })
    .superRefine((r, ctx) => {
        const interval = parseDuration(r.analysis.interval) ?? 0;
        if (interval < 1000) {
            ctx.addIssue({
                code: "custom",
                path: ["analysis", "interval"],
                input: r.analysis.interval,
                message: "must be at least 1s (Prometheus needs a scrape or two per reading)",
            });
        }
    });

export type ReleaseSettings = z.output<typeof releaseSchema>;
