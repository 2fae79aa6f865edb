/**
 * Real engine, the router image on its own (images/router/selftest.sh): bootstrap config,
 * switchyard-apply (success, no-op, sha mismatch, nginx -t failure, refused reload), the JSON
 * access log and supervision. Its inner configs listen on TCP only, as configs rendered before the
 * inner's unix socket did, so every request it sends goes through the front's TCP fallback. The
 * script removes what it creates, on failure too.
 */
import * as path from "path";
import { ROOT, run } from "./harness";

jest.setTimeout(5 * 60_000);

test("the router image's self-test passes, over the front's TCP fallback to an inner config without the socket", async () => {
    const r = await run("bash", [path.join(ROOT, "images/router/selftest.sh")]);
    const summary = /router selftest: (\d+) passed, (\d+) failed/.exec(r.stdout);
    expect({ code: r.code, failed: summary?.[2], out: summary && summary[2] === "0" ? "" : r.stdout + r.stderr }).toEqual({
        code: 0,
        failed: "0",
        out: "",
    });
    expect(Number(summary?.[1])).toBeGreaterThanOrEqual(12);
    expect(r.stdout).toMatch(/^ok {3}blue is served$/m);
});
