import * as fc from "fast-check";
import { isLoopback, routerUrlOn } from "./address";

describe("isLoopback", () => {
    test.each([
        ["127.0.0.1", true],
        ["127.10.0.3", true],
        ["0.0.0.0", false],
        ["10.0.0.5", false],
    ])("%s: %s", (address, loopback) => {
        expect(isLoopback(address)).toBe(loopback);
    });
});

describe("routerUrlOn", () => {
    test.each([
        ["unix:///var/run/docker.sock", "0.0.0.0", "http://localhost:8080"],
        ["ssh://deploy@10.0.0.5", "0.0.0.0", "http://10.0.0.5:8080"],
        ["ssh://deploy@web-1.example.com:2222", "0.0.0.0", "http://web-1.example.com:8080"],
        ["tcp://10.0.0.7:2376", "0.0.0.0", "http://10.0.0.7:8080"],
        ["ssh://deploy@10.0.0.5", "10.0.0.9", "http://10.0.0.9:8080"],
        ["unix:///var/run/docker.sock", "127.0.0.1", "http://127.0.0.1:8080"],
    ])("%s bound to %s: %s", (endpoint, bind, url) => {
        expect(routerUrlOn(endpoint, 8080, bind)).toBe(url);
    });

    test("an ssh:// endpoint's address is the URL's host, whatever the user and port", () => {
        const label = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,10}$/);
        fc.assert(
            fc.property(
                label,
                fc.array(label, { minLength: 1, maxLength: 3 }),
                fc.option(fc.integer({ min: 1, max: 65535 })),
                (user, parts, sshPort) => {
                    const address = parts.join(".");
                    const endpoint = `ssh://${user}@${address}${sshPort === null ? "" : `:${sshPort}`}`;
                    expect(routerUrlOn(endpoint, 18870, "0.0.0.0")).toBe(`http://${address}:18870`);
                },
            ),
        );
    });
});
