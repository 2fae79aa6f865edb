/**
 * A stack's config as the operator commands see it: the Automation API's config map, validated by
 * the program's own parser, so a command and the program never disagree about a key.
 */
import type { ConfigMap } from "@pulumi/pulumi/automation";
import type { StackEnvironment } from "../../config/environment";
import { ConfigResult, parseStackConfig, rawStackConfig } from "../../config/parse";
import { CliError, ExitCode } from "./cli";

/** The parsed config of `stack`, or a usage error naming every problem. */
export function stackConfigOf(stack: string, all: ConfigMap, env: StackEnvironment = {}): Extract<ConfigResult, { ok: true }> {
    const plain = Object.fromEntries(Object.entries(all).map(([k, v]) => [k, v.value]));
    const { raw, secretKeys } = rawStackConfig(plain, (k) => all[k]?.secret === true);
    const r = parseStackConfig(stack, raw, secretKeys, env);
    if (!r.ok) {
        throw new CliError(`the config of stack ${stack} is invalid:\n  - ${r.errors.join("\n  - ")}`, ExitCode.Usage);
    }
    return r;
}
