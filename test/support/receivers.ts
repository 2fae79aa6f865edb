/**
 * Local HTTP receivers standing in for notification sinks: each answers in one way (200, 429 with
 * Retry-After then 200, 500, or never) and keeps what it got, so tests count deliveries.
 */
import * as http from "http";
import type { AddressInfo } from "net";

export type Behaviour = "ok" | "rate-limited" | "error" | "hang";

export interface Received {
    at: number;
    method: string;
    path: string;
    body: unknown;
}

export interface Receiver {
    readonly url: string;
    readonly behaviour: Behaviour;
    readonly received: Received[];
    close(): Promise<void>;
}

/**
 * `rate-limited`: the first `limited` requests get 429 with `Retry-After: retryAfter`, then 200.
 * `host`: the address to listen on (e.g. the docker0 gateway, so containers can reach it). @default 127.0.0.1
 */
export async function startReceiver(
    behaviour: Behaviour,
    opts: { retryAfter?: string; limited?: number; host?: string } = {},
): Promise<Receiver> {
    const received: Received[] = [];
    const sockets = new Set<import("net").Socket>();
    const server = http.createServer((req, res) => {
        let text = "";
        req.setEncoding("utf8");
        req.on("data", (c: string) => (text += c));
        req.on("end", () => {
            let body: unknown = text;
            try {
                body = JSON.parse(text);
            } catch {
                // kept as text
            }
            received.push({ at: Date.now(), method: req.method ?? "", path: req.url ?? "", body });
            if (behaviour === "hang") return;
            if (behaviour === "error") {
                res.writeHead(500).end("down");
            } else if (behaviour === "rate-limited" && received.length <= (opts.limited ?? 1)) {
                res.writeHead(429, { "retry-after": opts.retryAfter ?? "1" }).end("slow down");
            } else {
                res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
            }
        });
    });
    server.on("connection", (s) => {
        sockets.add(s);
        s.on("close", () => sockets.delete(s));
    });
    const host = opts.host ?? "127.0.0.1";
    await new Promise<void>((resolve) => server.listen(0, host, resolve));
    const { port } = server.address() as AddressInfo;
    return {
        url: `http://${host}:${port}`,
        behaviour,
        received,
        close: () =>
            new Promise<void>((resolve) => {
                for (const s of sockets) s.destroy();
                server.close(() => resolve());
            }),
    };
}
