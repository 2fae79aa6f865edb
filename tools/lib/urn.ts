/** `urn:pulumi:<stack>::<project>::<parent types$type>::<name>`: the name and the resource's own type. */
export function resourceName(urn: string): string {
    return urn.split("::")[3] ?? urn;
}

export function resourceType(urn: string): string {
    return (urn.split("::")[2] ?? "").split("$").pop() ?? "";
}
