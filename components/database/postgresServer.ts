import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { databaseCredentials } from "../../domain/databaseUrl";
import { LABELS, ROLES } from "../../domain/labels";

export interface PostgresServerArgs {
    /** Stack name (labels). */
    stack: string;
    /** Container name; the app reaches the database at `<containerName>:5432` on the app network. */
    containerName: string;
    /** Named volume holding the data directory; it outlives a replaced container. */
    volumeName: string;
    /** Image with an explicit tag (images/postgres: initialises the data directory on first start). */
    image: string;
    /** App network the colours share. */
    networkName: pulumi.Input<string>;
    /** postgres://user:password@127.0.0.1:5432/db (a Pulumi secret; config/database.ts checked it): what to create. */
    url: pulumi.Input<string>;
}

/**
 * The stack's own PostgreSQL: one container on the app network, its data on a named volume, created
 * healthy before anything that uses it (`wait`), so a first release's snapshot and migration find it
 * answering. Its credentials reach it only as secret env (they initialise an empty data directory).
 */
export class PostgresServer extends pulumi.ComponentResource {
    public readonly container: docker.Container;
    public readonly containerName: pulumi.Output<string>;

    constructor(name: string, args: PostgresServerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("switchyard:database:PostgresServer", name, {}, opts);
        const labels = [
            { label: LABELS.stack, value: args.stack },
            { label: LABELS.role, value: ROLES.database },
        ];
        const image = new docker.RemoteImage(`${name}-image`, { name: args.image, keepLocally: true }, { parent: this });
        const volume = new docker.Volume(`${name}-data`, { name: args.volumeName, labels: [labels[0]] }, { parent: this });
        const envs = pulumi.secret(
            pulumi.output(args.url).apply((url) => {
                const c = databaseCredentials(url);
                if (!c.ok) {
                    throw new pulumi.RunError(`switchyard: the database URL ${c.reason}`);
                }
                return [
                    `POSTGRES_USER=${c.credentials.user}`,
                    `POSTGRES_PASSWORD=${c.credentials.password}`,
                    `POSTGRES_DB=${c.credentials.database}`,
                ];
            }),
        );
        this.container = new docker.Container(
            `${name}-container`,
            {
                name: args.containerName,
                image: image.imageId,
                envs,
                networksAdvanced: [{ name: args.networkName }],
                volumes: [{ volumeName: volume.name, containerPath: "/var/lib/postgresql/data" }],
                labels,
                // Faster than the image's own check, so `wait` returns as soon as the server answers.
                healthcheck: {
                    tests: ["CMD-SHELL", 'pg_isready -q -h 127.0.0.1 -p 5432 -U "$POSTGRES_USER"'],
                    interval: "1s",
                    timeout: "3s",
                    retries: 5,
                    startPeriod: "30s",
                },
                restart: "unless-stopped",
                mustRun: true,
                wait: true,
                waitTimeout: 120,
            },
            { parent: this },
        );
        this.containerName = this.container.name;
        this.registerOutputs({ containerName: this.containerName });
    }
}
