import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { runtimeCommand } from "../runtimeCommand";
import { checkHostDir } from "./validate";
import { childOptions, prometheusFilesEnv } from "./wiring";

/** Where the rule file lands in configDir (runtime/prometheus-files.sh writes that name). */
export function prometheusFilesRulesPath(configDir: string): string {
    return `${configDir}/switchyard-rules.yml`;
}

export interface PrometheusFilesArgs {
    /** Directory (on the machine running Pulumi) the existing Prometheus reads. */
    configDir: string;
    /** The rendered prometheus.yml; its rule_files names prometheusFilesRulesPath(configDir). */
    config: pulumi.Input<string>;
    /** The rendered rule file. */
    rules: string;
}

/**
 * For a Prometheus the user runs: prometheus.yml and the rule file written to configDir (checked with
 * promtool where it is installed, replaced atomically), removed on delete. Nothing runs here.
 */
export class PrometheusFiles extends pulumi.ComponentResource {
    constructor(name: string, args: PrometheusFilesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("switchyard:observability:PrometheusFiles", name, {}, opts);
        checkPrometheusFilesArgs(args);
        new command.local.Command(
            `${name}-files`,
            {
                create: runtimeCommand("prometheus-files.sh"),
                update: runtimeCommand("prometheus-files.sh"),
                delete: runtimeCommand("prometheus-files.sh", "delete"),
                environment: { SY_DIR: args.configDir, ...prometheusFilesEnv(args.config, args.rules) },
            },
            childOptions(this, opts),
        );
        this.registerOutputs({});
    }
}

/** Also called by MonitoringStack before it builds any part. */
export function checkPrometheusFilesArgs(args: Pick<PrometheusFilesArgs, "configDir">): void {
    const fix = "set monitoring.prometheus.configDir to the absolute directory the existing Prometheus reads";
    checkHostDir("PrometheusFiles", "configDir", args.configDir, fix);
}
