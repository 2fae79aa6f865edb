/**
 * The contract between the program and the switchyard router image (images/router): where the
 * front nginx listens, where the routing config lives, and the command that applies a new one.
 */
export const ROUTER_IMAGE = {
    /** Port of the front nginx inside the container (published on the host). */
    frontPort: 80,
    /** Directory of the inner (routing) config; a named volume so it outlives the container. */
    configDir: "/etc/switchyard/router",
    /** `switchyard-apply <file|-> <sha256>`: validate, install, reload, wait for the sha. */
    applyBin: "/usr/local/bin/switchyard-apply",
} as const;
