/** What the observability components share when wiring resources: child options, files for the apply steps. */
import * as pulumi from "@pulumi/pulumi";

/**
 * Options for the resources of a component MonitoringStack builds. Stacks deployed while these were
 * MonitoringStack's own children hold them under that parent (this component's parent): the alias
 * finds them there, so they are kept, not replaced.
 */
export function childOptions(component: pulumi.ComponentResource, opts?: pulumi.ComponentResourceOptions): pulumi.CustomResourceOptions {
    return { parent: component, aliases: opts?.parent ? [{ parent: opts.parent }] : [] };
}

/** Base64 of UTF-8 text: files reach the apply steps through their environment, every byte intact. */
export function b64(s: string): string {
    return Buffer.from(s, "utf8").toString("base64");
}

/** prometheus.yml and the rule file as both Prometheus apply steps read them. */
export function prometheusFilesEnv(config: pulumi.Input<string>, rules: string): Record<string, pulumi.Input<string>> {
    return { SY_PROM_B64: pulumi.output(config).apply(b64), SY_RULES_B64: b64(rules) };
}
