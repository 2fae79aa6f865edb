/**
 * A real HTTP server implementing the part of Grafana's HTTP API that runtime/grafana-push.js
 * uses, as Grafana's documentation describes it (docs/sources/developers/http_api/dashboard.md and
 * data_source.md in grafana/grafana). It is NOT Grafana: it checks the documented request shapes
 * and answers with the documented bodies and status codes.
 *
 *   every request          no/other `Authorization: Bearer <token>` -> 401 {"message": "Unauthorized"}
 *   GET  /api/datasources/uid/:uid    200 data source | 404 {"message": "Data source not found"}
 *   POST /api/datasources             200 {datasource, id, message: "Datasource added", name}
 *                                     409 name taken by another uid; 400 missing name/type/access/url
 *   PUT  /api/datasources/uid/:uid    200 {datasource, id, message: "Datasource updated", name}
 *                                     403 read-only (provisioned) data source; 404 unknown uid
 *   POST /api/dashboards/db           200 {id, uid, url, status: "success", version, slug}
 *                                     400 invalid JSON / no dashboard or title
 *                                     412 {"message": "The dashboard has been changed by someone else", "status": "version-mismatch"}
 *                                     412 {"message": "A dashboard with the same name in the folder already exists", "status": "name-exists"}
 *                                     (overwrite false: the uid exists at another version / the title is taken)
 * `inject(method, path, status, times)` makes the next `times` matching requests answer `status`
 * (e.g. 503), to test retries. Served under an optional sub-path (Grafana's root_url / serve_from_sub_path).
 */
import * as http from "http";
import { AddressInfo } from "net";

export interface Received {
    method: string;
    path: string;
    authorization: string | undefined;
    contentType: string | undefined;
    body: any;
}

interface StoredDashboard {
    id: number;
    uid: string;
    title: string;
    version: number;
    folderUid?: string;
    model: any;
    message?: string;
}

export interface FakeGrafana {
    url: string;
    received: Received[];
    datasources: Map<string, any>;
    dashboards: Map<string, StoredDashboard>;
    inject(method: string, path: string, status: number, times: number): void;
    close(): Promise<void>;
}

export async function startFakeGrafana(opts: { token: string; subPath?: string }): Promise<FakeGrafana> {
    const sub = opts.subPath ?? "";
    const received: Received[] = [];
    const datasources = new Map<string, any>();
    const dashboards = new Map<string, StoredDashboard>();
    const injected: { method: string; path: string; status: number; left: number }[] = [];
    let nextId = 1;

    const server = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c) => chunks.push(c));
        req.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            const send = (status: number, body: unknown) => {
                const out = JSON.stringify(body);
                res.writeHead(status, { "Content-Type": "application/json; charset=UTF-8", "Content-Length": Buffer.byteLength(out) });
                res.end(out);
            };
            let body: any;
            let badJson = false;
            try {
                body = text ? JSON.parse(text) : undefined;
            } catch {
                badJson = true;
            }
            const url = new URL(req.url ?? "/", "http://x");
            const method = req.method ?? "GET";
            received.push({
                method,
                path: url.pathname,
                authorization: req.headers.authorization,
                contentType: req.headers["content-type"],
                body,
            });
            if (!url.pathname.startsWith(`${sub}/api/`)) {
                return send(404, { message: "Not found" });
            }
            const p = url.pathname.slice(sub.length);
            const inj = injected.find((i) => i.method === method && i.path === p && i.left > 0);
            if (inj) {
                inj.left--;
                return send(inj.status, { message: inj.status >= 500 ? "Service Unavailable" : "injected" });
            }
            if (req.headers.authorization !== `Bearer ${opts.token}`) {
                return send(401, { message: "Unauthorized" });
            }
            if (badJson) {
                return send(400, { message: "bad request data" });
            }
            const dsUid = /^\/api\/datasources\/uid\/([^/]+)$/.exec(p);
            if (method === "GET" && dsUid) {
                const ds = datasources.get(decodeURIComponent(dsUid[1]));
                return ds ? send(200, ds) : send(404, { message: "Data source not found" });
            }
            if (method === "POST" && p === "/api/datasources") {
                for (const k of ["name", "type", "access", "url"]) {
                    if (typeof body?.[k] !== "string" || !body[k]) return send(400, { message: `${k} is required` });
                }
                const uid = typeof body.uid === "string" && body.uid ? body.uid : `gen${nextId}`;
                if ([...datasources.values()].some((d) => d.name === body.name && d.uid !== uid)) {
                    return send(409, { message: "data source with the same name already exists" });
                }
                if (datasources.has(uid)) return send(409, { message: "data source with the same uid already exists" });
                const ds = { ...body, uid, id: nextId++, orgId: 1, version: 1, readOnly: false };
                datasources.set(uid, ds);
                return send(200, { datasource: ds, id: ds.id, message: "Datasource added", name: ds.name });
            }
            if (method === "PUT" && dsUid) {
                const uid = decodeURIComponent(dsUid[1]);
                const cur = datasources.get(uid);
                if (!cur) return send(404, { message: "Data source not found" });
                if (cur.readOnly) return send(403, { message: "Cannot update read-only data source" });
                const ds = { ...body, uid, id: cur.id, orgId: 1, version: cur.version + 1, readOnly: false };
                datasources.set(uid, ds);
                return send(200, { datasource: ds, id: ds.id, message: "Datasource updated", name: ds.name });
            }
            if (method === "POST" && p === "/api/dashboards/db") {
                const d = body?.dashboard;
                if (!d || typeof d !== "object" || typeof d.title !== "string" || !d.title) {
                    return send(400, { message: "Dashboard title cannot be empty" });
                }
                if (d.uid !== undefined && d.uid !== null && (typeof d.uid !== "string" || d.uid.length > 40)) {
                    return send(400, { message: "Dashboard UID too long" });
                }
                const uid: string = d.uid || `dash${nextId}`;
                const cur = dashboards.get(uid);
                // As Grafana's save: an existing uid needs overwrite, or the stored version in the model
                // (no version = 0); another dashboard with the same title in the folder needs overwrite.
                if (cur && body.overwrite !== true && (typeof d.version === "number" ? d.version : 0) !== cur.version) {
                    return send(412, { message: "The dashboard has been changed by someone else", status: "version-mismatch" });
                }
                if (
                    body.overwrite !== true &&
                    [...dashboards.values()].some((x) => x.uid !== uid && x.title === d.title && x.folderUid === body.folderUid)
                ) {
                    return send(412, { message: "A dashboard with the same name in the folder already exists", status: "name-exists" });
                }
                const version = cur ? cur.version + 1 : 1;
                const id = cur ? cur.id : nextId++;
                const slug = d.title
                    .toLowerCase()
                    .replace(/[^a-z0-9]+/g, "-")
                    .replace(/^-|-$/g, "");
                dashboards.set(uid, { id, uid, title: d.title, version, folderUid: body.folderUid, model: d, message: body.message });
                return send(200, { id, uid, url: `${sub}/d/${uid}/${slug}`, status: "success", version, slug });
            }
            return send(404, { message: "Not found" });
        });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    return {
        url: `http://127.0.0.1:${port}${sub}`,
        received,
        datasources,
        dashboards,
        inject: (method, path, status, times) => injected.push({ method, path, status, left: times }),
        close: () => new Promise((resolve) => server.close(() => resolve())),
    };
}
