import { ReportViolation, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { colorStackFacts, withFacts } from "./facts";
import { childrenOf, known, looksSecret, TYPES, UNKNOWN, valueHasUrlCredentials } from "./lib";

export interface SecretsConfig {
    /** More words that mark a name as secret (matched per word of the name). */
    extraWords?: string[];
    /** Names that look secret but are not (e.g. PUBLIC_KEY_URL). */
    allowNames?: string[];
}

function fixFor(name: string): string {
    return (
        `move it to a Pulumi secret: pulumi config rm --path 'app.env.${name}' (or colors.<colour>.env.${name}), ` +
        `then pulumi config set --secret --path 'secretEnv.${name}' <value>`
    );
}

/** Env entries `NAME=VALUE` of a container (names only for unparseable entries). */
export function envEntries(envs: unknown): { name: string; value: string }[] {
    if (!Array.isArray(envs)) {
        return [];
    }
    return envs
        .filter((e): e is string => typeof e === "string")
        .map((e) => {
            const i = e.indexOf("=");
            return i < 0 ? { name: e, value: "" } : { name: e.slice(0, i), value: e.slice(i + 1) };
        });
}

export const noPlaintextSecrets: ResourceValidationPolicy & StackValidationPolicy = {
    name: "no-plaintext-secrets",
    description:
        "Env vars whose names look like secrets (PASSWORD, TOKEN, SECRET, KEY, CREDENTIALS...) or whose values carry URL credentials are passed as Pulumi secrets, never as plain text.",
    remediationSteps:
        "Remove the variable from app.env / colors.<colour>.env and set it with pulumi config set --secret --path 'secretEnv.NAME' VALUE.",
    severity: "critical",
    configSchema: {
        properties: {
            extraWords: { type: "array", items: { type: "string" }, default: [] },
            allowNames: { type: "array", items: { type: "string" }, default: [] },
        },
    },
    // Before anything changes: the names the program passes in plain text (ColorStack facts).
    validateResource: (args, report) => {
        if (args.type !== TYPES.colorStack) {
            return;
        }
        const cfg = args.getConfig<SecretsConfig>();
        const f = colorStackFacts(args.props, `ColorStack '${args.name}'`);
        if (!f.ok) {
            report(f.problem);
            return;
        }
        for (const name of f.facts.plainEnvNames) {
            if (looksSecret(name, cfg.extraWords, cfg.allowNames) && !f.facts.secretEnvNames.includes(name)) {
                report(`${args.name}: env var ${name} looks like a secret but is passed in plain text; ${fixFor(name)}`);
            }
        }
    },
    // Against the real containers: every secret-looking name in a container's env must be one the
    // ColorStack passes as a secret (catches env added outside the declared lists), and no plain value
    // may carry URL credentials. Container env is often unknown at preview (deployment id); then the
    // ColorStack check above stands alone until the update runs.
    validateStack: (args, report: ReportViolation) => {
        const cfg = args.getConfig<SecretsConfig>();
        for (const { resource: stack, facts } of withFacts(args.resources, TYPES.colorStack, colorStackFacts, report)) {
            for (const k of childrenOf(args.resources, stack, TYPES.container)) {
                const envs = known(() => k.props.envs as unknown);
                if (envs === UNKNOWN) {
                    continue;
                }
                for (const { name, value } of envEntries(envs)) {
                    const declaredSecret = facts.secretEnvNames.includes(name);
                    if (declaredSecret) {
                        continue;
                    }
                    if (looksSecret(name, cfg.extraWords, cfg.allowNames)) {
                        report(
                            `${k.name}: env var ${name} looks like a secret but is not among the env ${stack.name} passes as Pulumi secrets; ${fixFor(name)}`,
                            k.urn,
                        );
                    } else if (valueHasUrlCredentials(value)) {
                        report(`${k.name}: env var ${name} holds a URL with a password in plain text; ${fixFor(name)}`, k.urn);
                    }
                }
            }
        }
    },
};
