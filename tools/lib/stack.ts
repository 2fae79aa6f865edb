/**
 * Opens a stack of this project through the Automation API (the `pulumi` on PATH, the environment's
 * backend and passphrase). The Automation API selects a stack to work on it; the stack the user had
 * selected before is selected again afterwards, so `--stack S` leaves their selection alone.
 */
import * as path from "path";
import { ConfigMap, LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import { dockerTlsEnv } from "../../domain/dockerTls";
import { checkEnvironment } from "../../config/environment";
import { scrubber } from "../../domain/scrub";
import { CliError, ExitCode, firstLine } from "./cli";
import { configDockerTls, configSecrets } from "./secrets";

/** The project directory (Pulumi.yaml), wherever the command is run from. */
export const PROJECT_DIR = path.resolve(__dirname, "../..");

export interface OpenStack {
    stack: Stack;
    workspace: LocalWorkspace;
    name: string;
    /** The stack's dockerTls (a tcp:// host's client certificate) for docker calls (tools/lib/docker.ts); empty without. */
    dockerTls: Record<string, string>;
    /** Masks every value of the stack's config set with --secret, whatever its key (for errors and command output). */
    scrub(text: string): string;
    /** Selects again the stack that was selected before (when there was one). */
    close(): Promise<void>;
}

export async function openStack(requested: string | undefined, create = false): Promise<OpenStack> {
    let workspace: LocalWorkspace;
    let previous: string | undefined;
    try {
        workspace = await LocalWorkspace.create({ workDir: PROJECT_DIR });
        previous = (await workspace.stack())?.name;
    } catch (e) {
        throw new CliError(`could not open the Pulumi project in ${PROJECT_DIR}: ${firstLine(e)}`, ExitCode.Usage);
    }
    const name = requested ?? previous;
    if (!name) {
        throw new CliError("no stack selected: pass --stack NAME (or select one with `pulumi stack select`)", ExitCode.Usage);
    }
    // Before the stack is opened: creating it would write the passphrase's salt to its stack file.
    const problems = checkEnvironment({ PULUMI_CONFIG_PASSPHRASE: process.env.PULUMI_CONFIG_PASSPHRASE }, undefined, name);
    if (problems.length > 0) {
        throw new CliError(problems.join("\n"), ExitCode.Usage);
    }
    let stack: Stack;
    try {
        stack = await (create ? Stack.createOrSelect(name, workspace) : Stack.select(name, workspace));
    } catch (e) {
        throw new CliError(`stack ${name}: ${firstLine(e)}`, ExitCode.Usage);
    }
    // Config that cannot be read (a wrong passphrase) gives nothing to mask, and the command fails on it anyway.
    const config = await stack.getAllConfig().catch(() => ({}) as ConfigMap);
    const secrets = configSecrets(config);
    return {
        stack,
        workspace,
        name,
        scrub: scrubber(secrets),
        dockerTls: dockerTlsEnv(configDockerTls(config)),
        close: async () => {
            if (previous && previous !== name) {
                await workspace.selectStack(previous).catch(() => undefined);
            }
        },
    };
}

/** Runs `fn` on the stack, then restores the selection, whatever the outcome. */
export async function withStack<T>(opts: { stack?: string; create?: boolean }, fn: (s: OpenStack) => Promise<T>): Promise<T> {
    const s = await openStack(opts.stack, opts.create ?? false);
    try {
        return await fn(s);
    } catch (e) {
        // An error ends the command with its message printed: no secret value in it.
        if (e instanceof CliError) {
            throw new CliError(s.scrub(e.message), e.exitCode);
        }
        throw new Error(s.scrub(e instanceof Error ? e.message : String(e)));
    } finally {
        await s.close();
    }
}
