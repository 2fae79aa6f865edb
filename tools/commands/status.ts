/**
 * `switchyard status [--watch] [--json] [--stack S]`: where the stack and its release are. Colours
 * and versions, canary weight configured (stack) vs served (router status) vs measured (Prometheus),
 * the release's step and time to the next one, each analysis metric against its threshold, and the
 * last decision. `--watch` redraws every 2 s until Ctrl-C.
 */
import { otherColor } from "../../domain/color";
import { parseDuration } from "../../domain/duration";
import { CommonOptions, ExitCode, Io } from "../lib/cli";
import { PROJECT_DIR, withStack } from "../lib/stack";
import { scoreReading } from "../release/analysis";
import { ROUTER_IMAGE } from "../../domain/routerImage";
import { PrometheusClient } from "../release/live";
import { readRouterCounts, readRouterStatus, shareBetween, statusPathOf } from "../lib/routerStatus";
import { loadRecord } from "../release/record";
import { redact } from "./release";
import { plainOutputs, PROBE_TIMEOUT_MS } from "./up";
import { parseStackConfig, rawStackConfig } from "../../config/parse";

export interface StatusOptions extends CommonOptions {
    watch?: boolean;
}

export interface StatusReport {
    stack: string;
    activeColor: unknown;
    versions: unknown;
    weights: { configured: unknown; router?: unknown; measured?: Record<string, number> | string };
    /**
     * Several hosts: each host's router as it answers, and the share of requests it sent to each
     * colour over HOST_SAMPLE_MS (its own counters; `weights.measured` is Prometheus's, the first host's).
     */
    hosts?: HostStatus[];
    release?: {
        phase: string;
        step: string;
        secondsToNext?: number;
        lastDecision?: unknown;
        record: unknown;
    };
    analysis?: { result: string; reason?: string; samples: unknown[] } | string;
}

export interface HostStatus {
    name: string;
    /** "ok": the router answers with the routing in state; "stale": it answers with another; "down": no answer. */
    health: "ok" | "stale" | "down";
    activeColor?: unknown;
    weights?: unknown;
    /** Share of the router's requests by colour over `seconds`, from its exporter's counters. */
    measured?: { share: Record<string, number>; requests: number; seconds: number };
    excluded: boolean;
}

/** How long `status` counts each host's requests for its measured share. */
export const HOST_SAMPLE_MS = 2000;

/** A host's line from its router's status document (undefined: no answer) and the sha state has for it. */
export function hostStatus(name: string, served: Record<string, unknown> | undefined, expectedSha: unknown, excluded: boolean): HostStatus {
    if (!served) {
        return { name, health: "down", excluded };
    }
    return {
        name,
        health: served.configSha256 === expectedSha ? "ok" : "stale",
        activeColor: served.activeColor,
        weights: served.weights,
        excluded,
    };
}

function roundShare(share: Record<string, number>): Record<string, number> {
    return Object.fromEntries(Object.entries(share).map(([c, v]) => [c, Math.round(v * 1000) / 1000]));
}

export function renderStatus(r: StatusReport): string {
    const lines = [
        `stack ${r.stack}: active ${String(r.activeColor)}, versions ${JSON.stringify(r.versions)}`,
        `weights configured ${JSON.stringify(r.weights.configured)}, router ${JSON.stringify(r.weights.router ?? "?")}, measured ${JSON.stringify(r.weights.measured ?? "?")}`,
    ];
    for (const h of r.hosts ?? []) {
        const measured = h.measured
            ? `, measured ${JSON.stringify(roundShare(h.measured.share))} of ${h.measured.requests} request(s) in ${h.measured.seconds} s`
            : "";
        const serving =
            h.health === "down"
                ? "router does not answer"
                : `active ${String(h.activeColor)}, weights ${JSON.stringify(h.weights)}${measured}`;
        lines.push(`  host ${h.name}: ${h.health}, ${serving}${h.excluded ? " (left out of the last update)" : ""}`);
    }
    if (r.release) {
        const next = r.release.secondsToNext === undefined ? "" : `, next in ${r.release.secondsToNext}s`;
        lines.push(`release: ${r.release.phase}, ${r.release.step}${next}`);
        if (r.release.lastDecision) {
            lines.push(`last decision: ${JSON.stringify(r.release.lastDecision)}`);
        }
    } else {
        lines.push("release: none recorded");
    }
    if (typeof r.analysis === "string") {
        lines.push(`analysis: ${r.analysis}`);
    } else if (r.analysis) {
        lines.push(`analysis: ${r.analysis.result}${r.analysis.reason ? ` (${r.analysis.reason})` : ""}`);
        for (const s of r.analysis.samples as { metric: string; canary?: number; stable?: number; threshold: number; result: string }[]) {
            lines.push(`  ${s.metric}: canary ${s.canary ?? "-"} stable ${s.stable ?? "-"} threshold ${s.threshold}: ${s.result}`);
        }
    }
    return `${lines.join("\n")}\n`;
}

export async function status(opts: StatusOptions, io: Io): Promise<ExitCode> {
    return withStack(opts, async (s) => {
        const all = await s.stack.getAllConfig();
        const plain = Object.fromEntries(Object.entries(all).map(([k, v]) => [k, v.value]));
        const { raw, secretKeys } = rawStackConfig(plain, (k) => all[k]?.secret === true);
        const parsed = parseStackConfig(s.name, raw, secretKeys, {});
        for (;;) {
            const o = plainOutputs(await s.stack.outputs());
            const record = loadRecord(PROJECT_DIR, s.name);
            const prom = typeof o.prometheusUrl === "string" ? new PrometheusClient(o.prometheusUrl, s.name) : undefined;
            const dockerHost = parsed.ok ? parsed.config.docker.host : (io.env.DOCKER_HOST ?? "");
            const statusPath = statusPathOf(o.routerStatusUrl, ROUTER_IMAGE.defaultStatusPath);
            const router = readRouterStatus(dockerHost, String(o.routerContainer ?? ""), statusPath, s.dockerTls);
            const report: StatusReport = {
                stack: s.name,
                activeColor: o.activeColor,
                versions: o.versions,
                weights: { configured: o.weights, router: router?.weights },
            };
            if (Array.isArray(o.hosts)) {
                const excluded = Array.isArray(o.excludedHosts) ? (o.excludedHosts as string[]) : [];
                const hosts = o.hosts as { name: string; host: string; routerContainer: string; routerConfigSha256: string }[];
                const counts = () => hosts.map((h) => readRouterCounts(h.host, h.routerContainer, s.dockerTls, PROBE_TIMEOUT_MS));
                const before = counts();
                const t0 = Date.now();
                await new Promise((r) => setTimeout(r, HOST_SAMPLE_MS));
                const after = counts();
                const seconds = Math.round((Date.now() - t0) / 100) / 10;
                report.hosts = hosts.map((h, i) => {
                    const line = hostStatus(
                        h.name,
                        readRouterStatus(h.host, h.routerContainer, statusPath, s.dockerTls, PROBE_TIMEOUT_MS),
                        h.routerConfigSha256,
                        excluded.includes(h.name),
                    );
                    const [b, a] = [before[i], after[i]];
                    return line.health !== "down" && b && a ? { ...line, measured: { ...shareBetween(b, a), seconds } } : line;
                });
            }
            if (prom) {
                report.weights.measured = await prom.share(30).catch((e: unknown) => `Prometheus: ${String(e)}`);
            }
            if (record) {
                const i = record.plan.stepIndex;
                report.release = {
                    phase: record.plan.phase,
                    step:
                        i < record.steps.length ? `step ${i + 1}/${record.steps.length} at ${record.steps[i].weightPercent}%` : "promotion",
                    ...(record.stepEndsAt
                        ? { secondsToNext: Math.max(0, Math.round((Date.parse(record.stepEndsAt) - Date.now()) / 1000)) }
                        : {}),
                    lastDecision: record.lastDecision,
                    record: redact(record),
                };
            }
            if (prom && parsed.ok) {
                const active = parsed.config.activeColor;
                const reading = await prom.read(
                    parseDuration(parsed.config.release.analysis.interval) ?? 30_000,
                    otherColor(active),
                    active,
                );
                report.analysis = scoreReading(reading, parsed.config.release.analysis);
            } else {
                report.analysis = "no Prometheus on this stack (monitoring.enabled false)";
            }
            io.out(opts.json ? `${JSON.stringify(report, null, 2)}\n` : renderStatus(report));
            if (!opts.watch) {
                return ExitCode.Ok;
            }
            await new Promise((r) => setTimeout(r, 2000));
        }
    });
}
