/**
 * Docker label keys switchyard puts on what it runs (app containers, the router, Prometheus,
 * one-off migration containers, volumes, the network). The drift check and the test clean-up read
 * them back, so they are permanent.
 */
export const LABELS = {
    stack: "switchyard.stack",
    app: "switchyard.app",
    color: "switchyard.color",
    version: "switchyard.version",
    deploymentId: "switchyard.deployment-id",
    replica: "switchyard.replica",
    /** What a non-app container is for (ROLES). */
    role: "switchyard.role",
} as const;

/** Values of the `switchyard.role` label. */
export const ROLES = {
    router: "router",
    prometheus: "prometheus",
    migration: "migration",
    backupRunner: "backup-runner",
    /** The stack's own PostgreSQL (switchyard:database). */
    database: "database",
} as const;
