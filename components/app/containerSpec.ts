import { Color } from "../../domain/color";
import { dockerCpus, goDuration } from "../../domain/dockerForms";
import { LABELS } from "../../domain/labels";

/** The app settings a colour's containers are built from (validated config, passed in). */
export interface AppSettings {
    /** App name: part of container names and labels. */
    name: string;
    /** Port the app listens on inside its containers. */
    port: number;
    /** Containers per colour. */
    replicas: number;
    /** Plain env shared by both colours. */
    env: Record<string, string>;
    healthcheck: {
        path: string;
        intervalSeconds: number;
        timeoutSeconds: number;
        retries: number;
        startPeriodSeconds: number;
        /** Docker HEALTHCHECK test; default: an HTTP probe of `path`. */
        command?: string[];
    };
    resources: { cpus: number; memoryMb: number };
    volumes: { name: string; containerPath: string; readOnly: boolean }[];
}

export interface LabelValues {
    stack: string;
    app: string;
    color: Color;
    version: string;
    deploymentId: string;
    replica: number;
}

/** Docker labels of one app container, in a fixed order. */
export function containerLabels(v: LabelValues): { label: string; value: string }[] {
    return [
        { label: LABELS.app, value: v.app },
        { label: LABELS.color, value: v.color },
        { label: LABELS.deploymentId, value: v.deploymentId },
        { label: LABELS.replica, value: String(v.replica) },
        { label: LABELS.stack, value: v.stack },
        { label: LABELS.version, value: v.version },
    ];
}

/**
 * Plain env of an app container, sorted: the user's env plus what switchyard tells the app about
 * itself (SWITCHYARD_COLOR, SWITCHYARD_VERSION). Secret env and the deployment id are added by
 * the component, as Outputs.
 */
export function containerEnv(env: Record<string, string>, self: { color: Color; version: string }): string[] {
    const all = appEnv(env, self);
    return Object.keys(all)
        .sort()
        .map((k) => `${k}=${all[k]}`);
}

/** The plain env map an app process of a colour gets (containers and one-off migration runs). */
export function appEnv(env: Record<string, string>, self: { color: Color; version: string }): Record<string, string> {
    return { ...env, SWITCHYARD_COLOR: self.color, SWITCHYARD_VERSION: self.version };
}

/** The container HEALTHCHECK: the configured command, or an HTTP probe of the health path. */
export function dockerHealthcheck(app: AppSettings): {
    tests: string[];
    interval: string;
    timeout: string;
    retries: number;
    startPeriod: string;
} {
    const h = app.healthcheck;
    const url = `http://127.0.0.1:${app.port}${h.path}`;
    const tests = h.command ?? ["CMD-SHELL", `curl -fsS -o /dev/null '${url}' || wget -q -O /dev/null '${url}' || exit 1`];
    return {
        tests,
        interval: goDuration(h.intervalSeconds),
        timeout: goDuration(h.timeoutSeconds),
        retries: h.retries,
        startPeriod: goDuration(h.startPeriodSeconds),
    };
}

/**
 * CPU and memory limits as the docker provider reads them back, so that a refresh finds nothing
 * to change: `cpus` in its decimal form, and swap pinned to the memory limit (no swap). Left
 * unset, Docker picks a swap limit of its own, which the provider reads back as a change.
 */
export function resourceLimits(resources: AppSettings["resources"]): { cpus: string; memory: number; memorySwap: number } {
    const cpus = dockerCpus(resources.cpus);
    if (!cpus.ok) {
        throw new Error(`app.resources.cpus: ${cpus.reason}`);
    }
    return { cpus: cpus.value, memory: resources.memoryMb, memorySwap: resources.memoryMb };
}
