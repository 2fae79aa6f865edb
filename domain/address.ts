/** Whether an IPv4 bind address is loopback only (127.0.0.0/8): reachable from the host itself alone. */
export function isLoopback(address: string): boolean {
    return /^127\./.test(address);
}

/**
 * Where clients reach a router on a Docker host: the host's own address for ssh:// and tcp://
 * endpoints (the router publishes on all its addresses, or on `bindAddress`), this machine for unix://.
 */
export function routerUrlOn(endpoint: string, port: number, bindAddress: string): string {
    const remote = /^(?:ssh:\/\/[^@\s]+@|tcp:\/\/)(\[[^\]]+\]|[^:/\s]+)/.exec(endpoint);
    const address = bindAddress !== "0.0.0.0" ? bindAddress : (remote?.[1] ?? "localhost");
    return `http://${address}:${port}`;
}
