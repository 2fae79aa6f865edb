import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import { tempDir } from "./tools";

/**
 * Type-checks a dashboard model (JSON, as an object literal) against the foundation SDK's Dashboard
 * type: unknown or mistyped fields anywhere in the typed part of the model are compile errors.
 * `id` may be null, as in what the push sends.
 */
export function dashboardTypeErrors(dashboardJson: string): string[] {
    const dir = tempDir("dashboard-types");
    const file = path.join(dir, "check.ts");
    fs.writeFileSync(
        file,
        [
            `import type * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";`,
            `import type * as prometheus from "@grafana/grafana-foundation-sdk/prometheus";`,
            // JSON view of an SDK type: string enums as their literal values, no variant marker method
            `type Json<T> = 0 extends 1 & T ? any : T extends string ? \`\${T}\` : T extends number | boolean | null | undefined ? T :`,
            `  T extends readonly (infer U)[] ? Json<U>[] : T extends object ? { [K in keyof T as K extends "_implementsDataqueryVariant" ? never : K]: Json<T[K]> } : T;`,
            `type Panel = Json<Omit<dashboard.Panel, "targets">> & { targets?: Json<prometheus.dataquery>[] };`,
            `type Dashboard = Json<Omit<dashboard.Dashboard, "panels" | "id">> & { panels?: Panel[]; id?: number | null };`,
            `export const d: Dashboard = ${dashboardJson};`,
        ].join("\n"),
    );
    const program = ts.createProgram([file], {
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        module: ts.ModuleKind.CommonJS,
        moduleResolution: ts.ModuleResolutionKind.Node10,
        target: ts.ScriptTarget.ES2022,
        types: [],
        baseUrl: process.cwd(),
        paths: {
            "@grafana/grafana-foundation-sdk/*": [
                path.join(path.dirname(require.resolve("@grafana/grafana-foundation-sdk/dashboard")), "..", "*"),
            ],
        },
    });
    const errors = ts.getPreEmitDiagnostics(program).map((x) => ts.flattenDiagnosticMessageText(x.messageText, "\n"));
    fs.rmSync(dir, { recursive: true, force: true });
    return errors;
}
