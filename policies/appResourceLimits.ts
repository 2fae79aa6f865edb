import { appContainerPolicy, peek, show, UNKNOWN } from "./lib";

export interface ResourceLimitsConfig {
    /** Smallest memory limit accepted, MB. @default 16 */
    minMemoryMb?: number;
    /** Largest memory limit accepted, MB. @default unlimited */
    maxMemoryMb?: number;
    /** Largest CPU limit accepted. @default unlimited */
    maxCpus?: number;
}

/** What is wrong with an app container's memory (MB) and cpus (string) limits. */
export function limitProblems(memory: unknown, cpus: unknown, cfg: ResourceLimitsConfig): string[] {
    const problems: string[] = [];
    const minMb = cfg.minMemoryMb ?? 16;
    if (memory !== UNKNOWN) {
        if (typeof memory !== "number" || !Number.isFinite(memory) || memory <= 0) {
            problems.push(`app container has no memory limit (memory = ${show(memory)}); set app.resources.memoryMb (e.g. 256)`);
        } else if (memory < minMb) {
            problems.push(`app container memory limit ${memory} MB is below the minimum ${minMb} MB; raise app.resources.memoryMb`);
        } else if (cfg.maxMemoryMb !== undefined && memory > cfg.maxMemoryMb) {
            problems.push(
                `app container memory limit ${memory} MB is above the maximum ${cfg.maxMemoryMb} MB for this stack; lower app.resources.memoryMb`,
            );
        }
    }
    if (cpus !== UNKNOWN) {
        const n = typeof cpus === "string" && cpus.trim() !== "" ? Number(cpus) : typeof cpus === "number" ? cpus : NaN;
        if (!Number.isFinite(n) || n <= 0) {
            problems.push(`app container has no CPU limit (cpus = ${show(cpus)}); set app.resources.cpus (e.g. 0.5)`);
        } else if (cfg.maxCpus !== undefined && n > cfg.maxCpus) {
            problems.push(`app container CPU limit ${n} is above the maximum ${cfg.maxCpus} for this stack; lower app.resources.cpus`);
        }
    }
    return problems;
}

export const appResourceLimits = appContainerPolicy(
    {
        name: "app-resource-limits",
        description: "Every app container (under a ColorStack) has a memory limit and a CPU limit, within the stack's bounds.",
        remediationSteps: "Set app.resources.memoryMb and app.resources.cpus in the stack config.",
        configSchema: {
            properties: {
                minMemoryMb: { type: "number", minimum: 1, default: 16 },
                maxMemoryMb: { type: "number", minimum: 1 },
                maxCpus: { type: "number", exclusiveMinimum: 0 },
            },
        },
    },
    (args) =>
        limitProblems(
            peek(() => args.props.memory as unknown),
            peek(() => args.props.cpus as unknown),
            args.getConfig<ResourceLimitsConfig>(),
        ),
);
