// Zero-drop measurement: autocannon (keep-alive, GET and POST alternating) against URL while
// RELOAD_CMD runs K times, evenly spaced (it gets the reload index as $1, to alternate configs).
// Prints one JSON line: sent, responses, errors, lost (no answer and no error), non2xx...
//   node load.js URL RELOAD_CMD [--amount N] [--rate R] [--conns C] [--reloads K]
// autocannon comes from AUTOCANNON_DIR (zero-drop.sh installs it under /tmp, not in the repo).
const autocannon = require(require("node:path").join(process.env.AUTOCANNON_DIR || ".", "node_modules/autocannon"));
const { execFile } = require("node:child_process");
const args = process.argv.slice(2);
const opt = (name, def) => {
    const i = args.indexOf(name);
    return i >= 0 ? Number(args[i + 1]) : def;
};
const url = args[0],
    reloadCmd = args[1];
const amount = opt("--amount", 24000),
    rate = opt("--rate", 500),
    conns = opt("--conns", 16),
    reloads = opt("--reloads", 20);
const durationMs = (amount / rate) * 1000;
const statusCounts = {};
const errorCodes = {};
const inst = autocannon(
    {
        url,
        connections: conns,
        overallRate: rate,
        amount,
        timeout: 10,
        requests: [
            { method: "GET", path: "/" },
            {
                method: "POST",
                path: "/",
                headers: { "content-type": "application/json" },
                body: JSON.stringify({ hello: "switchyard", pad: "x".repeat(200) }),
            },
        ],
    },
    (err, res) => {
        if (err) {
            console.error(err);
            process.exit(1);
        }
        const out = {
            sent: amount,
            requests: res.requests.total,
            // autocannon silently reconnects when the server closes a connection with a request in
            // flight: that request gets neither a response nor an error. Count it as lost.
            lost: amount - (res["2xx"] + res.non2xx) - res.errors,
            responses2xx: res["2xx"],
            non2xx: res.non2xx,
            errors: res.errors,
            timeouts: res.timeouts,
            resets: res.resets,
            statusCounts,
            errorCodes,
            reloadsDone,
            reloadFailures,
            rps: res.requests.average,
            latencyP99ms: res.latency.p99,
            durationS: res.duration,
        };
        console.log(JSON.stringify(out));
        setTimeout(() => process.exit(0), 200);
    },
);
inst.on("response", (_client, statusCode) => {
    statusCounts[statusCode] = (statusCounts[statusCode] || 0) + 1;
});
inst.on("reqError", (e) => {
    const k = e.code || e.message;
    errorCodes[k] = (errorCodes[k] || 0) + 1;
});
let reloadsDone = 0,
    reloadFailures = 0;
const spacing = durationMs / (reloads + 1);
for (let i = 1; i <= reloads; i++) {
    setTimeout(() => {
        execFile("sh", ["-c", reloadCmd, "reload", String(i)], (err, stdout, stderr) => {
            reloadsDone++;
            if (err) {
                reloadFailures++;
                process.stderr.write(`reload ${i} failed: ${stderr}\n`);
            }
        });
    }, spacing * i);
}
