/**
 * Prometheus scrape configuration for one stack: both colours' app containers and the router
 * exporter. Pure and deterministic: same input, same bytes.
 *
 * Labels: every app series gets the target labels `stack`, `color`, `version` and `container`
 * (static_configs, one group per container). The app's own `switchyard_app_info{version,color}`
 * labels collide with those and are kept as `exported_version`/`exported_color` (honor_labels is
 * false: what the program deployed is authoritative; a mismatch is visible, not hidden).
 * Router series get `stack`, `component="router"` and `version` (the router config version);
 * their `color` label is the colour each request was sent to, set by the exporter.
 */
import { stringify } from "yaml";
import { z } from "zod";
import { COLORS } from "../../domain/color";
import { JOBS, LABELS } from "./metricNames";
import { parse } from "./validate";

/** Prometheus duration, e.g. "15s", "1m", "1h30m". */
export const durationSchema = z.string().regex(/^(\d+(ms|s|m|h|d|w|y))+$/, 'a Prometheus duration such as "15s" or "1m"');
const labelValue = z.string().min(1).max(200);
/** host:port with a DNS name, IPv4 or [IPv6] host. */
const address = z
    .string()
    .regex(/^([A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9a-fA-F:.]+\]):\d{1,5}$/, 'host:port, e.g. "switchyard-blue-0:8080"');

export const AppTargetSchema = z
    .object({
        /** host:port Prometheus scrapes (/metrics). */
        address,
        /** Colour of the container. */
        color: z.enum(COLORS),
        /** Version (semver) the container runs. */
        version: labelValue,
        /** Container name (unique within the stack). */
        container: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, "a Docker container name"),
    })
    .strict();
export type AppTarget = z.infer<typeof AppTargetSchema>;

export const PrometheusConfigInputSchema = z
    .object({
        /** Stack name; becomes the `stack` label of every series. */
        stack: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, "letters, digits, '_', '.', '-'"),
        /** @default "15s" */
        scrapeInterval: durationSchema.default("15s"),
        /** @default the scrape interval */
        evaluationInterval: durationSchema.optional(),
        /** App containers of both colours (a colour not deployed simply has none). */
        appTargets: z.array(AppTargetSchema),
        /** The router exporter (mtail), host:port. */
        router: z.object({ address, version: labelValue.default("unknown") }).strict(),
        /** Rule files as Prometheus sees them (paths inside its container). @default [] */
        ruleFiles: z.array(z.string().min(1)).default([]),
        /** @default "/metrics" */
        appMetricsPath: z.string().startsWith("/").default("/metrics"),
        /** The scheduled backup runner (BackupRunner), host:port. @default - no backup job */
        backupRunner: z.object({ address }).strict().optional(),
    })
    .strict()
    .superRefine((v, ctx) => {
        const seen = new Map<string, number>();
        v.appTargets.forEach((t, i) => {
            for (const key of [`address ${t.address}`, `container ${t.container}`]) {
                if (seen.has(key)) {
                    ctx.addIssue({
                        code: "custom",
                        path: ["appTargets", i],
                        message: `duplicate ${key} (also appTargets[${seen.get(key)}]); every container is scraped once`,
                    });
                }
                seen.set(key, i);
            }
        });
    });
export type PrometheusConfigInput = z.input<typeof PrometheusConfigInputSchema>;

/** Renders prometheus.yml. Targets are sorted (colour, container) so input order does not matter. */
export function renderPrometheusConfig(input: PrometheusConfigInput): string {
    const v = parse(PrometheusConfigInputSchema, input, "Prometheus config input");
    const targets = [...v.appTargets].sort((a, b) => COLORS.indexOf(a.color) - COLORS.indexOf(b.color) || cmp(a.container, b.container));
    const doc = {
        global: {
            scrape_interval: v.scrapeInterval,
            evaluation_interval: v.evaluationInterval ?? v.scrapeInterval,
        },
        rule_files: [...v.ruleFiles],
        scrape_configs: [
            {
                job_name: JOBS.app,
                metrics_path: v.appMetricsPath,
                honor_labels: false,
                static_configs: targets.map((t) => ({
                    targets: [t.address],
                    labels: {
                        [LABELS.stack]: v.stack,
                        [LABELS.color]: t.color,
                        [LABELS.version]: t.version,
                        [LABELS.container]: t.container,
                    },
                })),
            },
            {
                job_name: JOBS.router,
                metrics_path: "/metrics",
                honor_labels: false,
                static_configs: [
                    {
                        targets: [v.router.address],
                        labels: {
                            [LABELS.stack]: v.stack,
                            [LABELS.component]: "router",
                            [LABELS.version]: v.router.version,
                        },
                    },
                ],
            },
            ...(v.backupRunner
                ? [
                      {
                          job_name: JOBS.backup,
                          metrics_path: "/metrics",
                          // The runner labels its series with its own stack (the same value).
                          honor_labels: true,
                          static_configs: [
                              {
                                  targets: [v.backupRunner.address],
                                  labels: { [LABELS.stack]: v.stack, [LABELS.component]: "backup-runner" },
                              },
                          ],
                      },
                  ]
                : []),
        ],
    };
    return stringify(doc, YAML_OPTIONS);
}

/** Deterministic YAML: no anchors/aliases, no line folding, strings quoted only when needed. */
export const YAML_OPTIONS = { aliasDuplicateObjects: false, lineWidth: 0 } as const;

function cmp(a: string, b: string): number {
    return a < b ? -1 : a > b ? 1 : 0;
}
