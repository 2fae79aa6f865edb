/** `urn:pulumi:<stack>::<project>::<parent types$type>::<name>`: the name and the resource's own type. */
export function resourceName(urn: string): string {
    return urn.split("::")[3] ?? urn;
}

export function resourceType(urn: string): string {
    return (urn.split("::")[2] ?? "").split("$").pop() ?? "";
}

/**
 * Which of `hosts` a resource of a several-host stack lives on, from its name: `<resource>@<host>`
 * and its children `<resource>@<host>-...` (index.ts); the longest host name that fits (host names
 * may contain '-'). Undefined for the first host's resources, which keep the single-host names.
 */
export function hostOf(name: string, hosts: readonly string[]): string | undefined {
    const at = name.indexOf("@");
    if (at < 0) {
        return undefined;
    }
    const rest = name.slice(at + 1);
    return [...hosts].sort((a, b) => b.length - a.length).find((h) => rest === h || rest.startsWith(`${h}-`));
}
