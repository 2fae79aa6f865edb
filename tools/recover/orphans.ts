import { StateResource } from "../drift/drift";

/** Containers labelled for this stack that state does not know: what an interrupted create left. */
export function orphans(live: { id: string; name: string }[], resources: StateResource[]): { id: string; name: string }[] {
    const known = new Set(resources.filter((r) => r.type === "docker:index/container:Container").map((r) => r.id));
    return live.filter((c) => !known.has(c.id));
}

/** `docker ps --format '{{.ID}} {{.Names}}'` lines as id and name. */
export function parsePs(out: string): { id: string; name: string }[] {
    return out
        .split("\n")
        .filter(Boolean)
        .map((l) => {
            const [id, name] = l.split(" ");
            return { id, name };
        });
}
