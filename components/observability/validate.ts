import { z } from "zod";

/** Parses with zod and throws one message naming every bad field, the value received and the rule. */
export function parse<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
    const r = schema.safeParse(input);
    if (r.success) return r.data;
    const lines = r.error.issues.map((i) => {
        const path = i.path.join(".") || "(root)";
        const got = valueAt(input, i.path);
        return `  ${path}: ${i.message} (got ${JSON.stringify(got)})`;
    });
    throw new Error(`invalid ${what}:\n${lines.join("\n")}`);
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
    let cur: unknown = root;
    for (const k of path) {
        if (cur === null || typeof cur !== "object") return undefined;
        cur = (cur as Record<PropertyKey, unknown>)[k];
    }
    return cur;
}

/** A host directory the program hands to a shell step: absolute, and nothing the shell could expand. */
export function checkHostDir(component: string, what: string, dir: string | undefined, fix: string): void {
    if (!dir?.startsWith("/") || /['"\\$`\u0000-\u001f]/.test(dir)) {
        throw new Error(
            `${component}: ${what} must be an absolute directory without quotes, $, \` or control characters ` +
                `(got ${JSON.stringify(dir)}); ${fix}`,
        );
    }
}
