/** Whether an IPv4 bind address is loopback only (127.0.0.0/8): reachable from the host itself alone. */
export function isLoopback(address: string): boolean {
    return /^127\./.test(address);
}
