import * as pulumi from "@pulumi/pulumi";
import { secretMap } from "./secretMap";

type Internal<T> = { promise(): Promise<T>; isSecret: Promise<boolean> };
const internal = <T>(o: pulumi.Output<T>) => o as unknown as Internal<T>;

const lookup = secretMap(pulumi.secret({ app: "postgres://app:pw@db/app" }), "switchyard:backupSecrets");

// A missing entry rejects inside the SDK (the engine reports it); parseStackConfig refuses that config first.
test("an entry comes back as a secret", async () => {
    const url = lookup("app", "backup.postgres 'app'");
    expect(await internal(url).promise()).toBe("postgres://app:pw@db/app");
    expect(await internal(url).isSecret).toBe(true);
});
