/** The URL of a PostgreSQL database the stack runs itself (switchyard:database), read for its credentials. */

export interface DatabaseCredentials {
    readonly user: string;
    readonly password: string;
    readonly database: string;
}

/**
 * User, password and database of a backup source URL, for a database the stack creates. The
 * snapshot runs pg_dump inside the container, so the URL's host must be the container's own
 * loopback (127.0.0.1 or localhost) on port 5432.
 */
export function databaseCredentials(url: string): { ok: true; credentials: DatabaseCredentials } | { ok: false; reason: string } {
    let u: URL;
    try {
        u = new URL(url);
    } catch {
        return { ok: false, reason: "is not a URL" };
    }
    const user = decodeURIComponent(u.username);
    const password = decodeURIComponent(u.password);
    const database = decodeURIComponent(u.pathname.replace(/^\//, ""));
    if (!/^postgres(ql)?:$/.test(u.protocol)) {
        return { ok: false, reason: "must be a postgres:// URL" };
    }
    if (!["127.0.0.1", "localhost"].includes(u.hostname) || (u.port !== "" && u.port !== "5432")) {
        return {
            ok: false,
            reason: "must name the container's own address, 127.0.0.1:5432 (the snapshot runs pg_dump inside the container)",
        };
    }
    if (user === "" || password === "" || database === "" || database.includes("/")) {
        return { ok: false, reason: "must give a user, a password and a database: postgres://user:password@127.0.0.1:5432/db" };
    }
    return { ok: true, credentials: { user, password, database } };
}
