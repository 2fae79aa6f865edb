import * as pulumi from "@pulumi/pulumi";

/**
 * Lookup in a map held as a Pulumi secret (e.g. `switchyard:backupSecrets`): each value stays a
 * secret, and a missing entry fails with a message naming the key to set. `configKey` is the full
 * config key of the map, used only in that message.
 */
export function secretMap(
    map: pulumi.Input<Record<string, string>>,
    configKey: string,
): (name: string, neededBy: string) => pulumi.Output<string> {
    return (name, neededBy) =>
        pulumi.secret(
            pulumi.output(map).apply((m) => {
                const value = m[name];
                if (!value) {
                    throw new Error(`${neededBy}: ${configKey}.${name} is not set`);
                }
                return value;
            }),
        );
}
