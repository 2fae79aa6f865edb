/**
 * Router log lines exactly as the router writes them, derived from the real renderer
 * (components/routing/nginxConfig.ts): the access-log `log_format switchyard` and the status
 * document. If the renderer's format changes, these change with it and the mtail tests notice.
 */
import { ROUTER_IMAGE_RUNTIME } from "../../../domain/routerImage";
import { configShaOf, renderRouterConfig } from "../../../components/routing/nginxConfig";

export function renderedRouterConfig(activeColor: "blue" | "green", canaryPermille: number): string {
    return renderRouterConfig({
        stack: "itest",
        activeColor,
        canaryPermille,
        versions: { blue: "1.0.0", green: "1.1.0" },
        upstreams: {
            blue: [{ name: "itest-app-blue-1", address: "10.0.0.2", port: 8080 }],
            green: [{ name: "itest-app-green-1", address: "10.0.0.3", port: 8080 }],
        },
        statusPath: "/_switchyard/status",
        runtime: ROUTER_IMAGE_RUNTIME,
    }).text;
}

/** The `log_format switchyard` template (nginx variables unexpanded), from the rendered config. */
export function accessLogTemplate(): string {
    const text = renderedRouterConfig("blue", 100);
    const m = /log_format switchyard escape=json ((?:'[^']*'\s*)+);/.exec(text);
    if (!m) throw new Error("no `log_format switchyard` in the rendered router config");
    return [...m[1].matchAll(/'([^']*)'/g)].map((x) => x[1]).join("");
}

export interface AccessFields {
    color: string;
    status: number;
    requestTime: string;
    role?: string;
    method?: string;
}

/** One access-log line as nginx writes it. */
export function accessLine(f: AccessFields, template = accessLogTemplate()): string {
    const vars: Record<string, string> = {
        time_iso8601: new Date().toISOString().replace(/\.\d+Z$/, "+00:00"),
        sy_color: f.color,
        sy_role: f.role ?? "split",
        status: String(f.status),
        request_method: f.method ?? "GET",
        request_time: f.requestTime,
        upstream_response_time: f.color === "none" ? "" : f.requestTime,
        upstream_addr: f.color === "none" ? "" : "10.0.0.2:8080",
        bytes_sent: "321",
    };
    const line = template.replace(/\$([a-z0-9_]+)/g, (_, v: string) => {
        if (!(v in vars)) throw new Error(`unknown nginx variable $${v} in the log format`);
        return vars[v];
    });
    JSON.parse(line); // nginx's escape=json output is JSON
    return line;
}

/** The status document the router serves (what switchyard-apply appends to the state log). */
export function statusLine(activeColor: "blue" | "green", canaryPermille: number): { line: string; sha: string } {
    const text = renderedRouterConfig(activeColor, canaryPermille);
    const m = /return 200 '(\{"stack".*\})\\n';/.exec(text);
    if (!m) throw new Error("no status document in the rendered router config");
    return { line: m[1], sha: configShaOf(text)! };
}
