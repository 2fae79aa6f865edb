/**
 * `node scripts/sy.js recover [--stack S]`: brings a stack back after an interrupted `pulumi up`
 * (Ctrl-C, a killed CI job, a lost SSH session). The router keeps serving throughout: it is only
 * ever changed by a validated reload, and an interrupted release never reached that step.
 *  1. `pulumi cancel`: releases the stack lock an interrupted run left behind;
 *  2. `pulumi refresh --clear-pending-creates`: reads every resource back and drops the
 *     operations that were in flight from state;
 *  3. removes the stack's app containers that Docker has but state does not (created by the
 *     interrupted run, never routed to): their fixed names would block the next create.
 * Then run `pulumi up` to finish the release.
 */
import { sh } from "./shell";
import { stackFromArgs, StateResource } from "./drift";

/** Containers labelled for this stack that state does not know: what an interrupted create left. */
export function orphans(live: { id: string; name: string }[], resources: StateResource[]): { id: string; name: string }[] {
    const known = new Set(resources.filter((r) => r.type === "docker:index/container:Container").map((r) => r.id));
    return live.filter((c) => !known.has(c.id));
}

export async function main(args: string[]): Promise<number> {
    const stack = stackFromArgs(args);
    const sArgs = stack ? ["--stack", stack] : [];
    const say = (s: string) => process.stdout.write(`switchyard recover: ${s}\n`);

    const cancel = sh("pulumi", ["cancel", "--yes", "--non-interactive", ...sArgs]);
    say(cancel.code === 0 ? "released the stack lock" : `no lock to release (${(cancel.err || cancel.out).trim().split("\n")[0]})`);

    const refresh = sh("pulumi", [
        "refresh",
        "--yes",
        "--skip-preview",
        "--clear-pending-creates",
        "--non-interactive",
        "--suppress-progress",
        ...sArgs,
    ]);
    if (refresh.code !== 0) {
        process.stderr.write(refresh.out + refresh.err);
        throw new Error("pulumi refresh --clear-pending-creates failed (output above)");
    }
    say("refreshed state from the host and cleared pending operations");

    const exported = sh("pulumi", ["stack", "export", ...sArgs]);
    if (exported.code !== 0) {
        throw new Error(`pulumi stack export failed: ${exported.err}`);
    }
    const resources: StateResource[] = JSON.parse(exported.out).deployment?.resources ?? [];
    const provider = resources.find((r) => r.type === "pulumi:providers:docker");
    const env = { ...process.env, DOCKER_HOST: String(provider?.inputs?.host ?? process.env.DOCKER_HOST ?? "") };
    const stackName = stack ?? sh("pulumi", ["stack", "--show-name"]).out.trim();
    const ps = sh(
        "docker",
        ["ps", "-a", "--no-trunc", "--filter", `label=switchyard.stack=${stackName}`, "--format", "{{.ID}} {{.Names}}"],
        env,
    );
    const live = ps.out
        .split("\n")
        .filter(Boolean)
        .map((l) => {
            const [id, name] = l.split(" ");
            return { id, name };
        });
    const stray = orphans(live, resources);
    for (const c of stray) {
        const rm = sh("docker", ["rm", "-f", c.id], env);
        say(
            rm.code === 0
                ? `removed container ${c.name}, left by the interrupted run (never routed to)`
                : `could not remove ${c.name}: ${rm.err.trim()}`,
        );
    }
    say(`done: ${stray.length} stray container(s) removed; now run \`pulumi up${stack ? ` --stack ${stack}` : ""}\` to finish the release`);
    return 0;
}
