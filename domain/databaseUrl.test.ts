import fc from "fast-check";
import { databaseCredentials } from "./databaseUrl";

test.each([
    ["postgres://app:pw@127.0.0.1:5432/app", { user: "app", password: "pw", database: "app" }],
    ["postgresql://app:pw@localhost/shop", { user: "app", password: "pw", database: "shop" }],
    ["postgres://a%40b:p%2Fw@127.0.0.1:5432/d%20b", { user: "a@b", password: "p/w", database: "d b" }],
])("%s gives its user, password and database", (url, credentials) => {
    expect(databaseCredentials(url)).toEqual({ ok: true, credentials });
});

test.each([
    ["not a url", /is not a URL/],
    ["mysql://app:pw@127.0.0.1:5432/app", /must be a postgres:\/\/ URL/],
    ["postgres://app:pw@db:5432/app", /container's own address, 127\.0\.0\.1:5432/],
    ["postgres://app:pw@127.0.0.1:5433/app", /container's own address/],
    ["postgres://app@127.0.0.1:5432/app", /must give a user, a password and a database/],
    ["postgres://app:pw@127.0.0.1:5432/", /must give a user, a password and a database/],
    ["postgres://:pw@127.0.0.1:5432/app", /must give a user, a password and a database/],
    // URLs resolve dot segments: a database named "." or ".." cannot be written into one.
    ["postgres://app:pw@127.0.0.1:5432/.", /must give a user, a password and a database/],
    ["postgres://app:pw@127.0.0.1:5432/%2e%2E", /must give a user, a password and a database/],
])("%s is refused", (url, reason) => {
    const r = databaseCredentials(url);
    expect(r.ok).toBe(false);
    expect(r.ok ? "" : r.reason).toMatch(reason);
});

test("any user, password and database written into a URL are read back as they were", () => {
    const part = fc.string({ minLength: 1, maxLength: 20 }).filter((s) => !s.includes("/"));
    // "." and ".." are dot segments to a URL (refused above), not names.
    const databaseName = part.filter((s) => s !== "." && s !== "..");
    fc.assert(
        fc.property(part, fc.string({ minLength: 1, maxLength: 20 }), databaseName, (user, password, database) => {
            const url = `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:5432/${encodeURIComponent(database)}`;
            expect(databaseCredentials(url)).toEqual({ ok: true, credentials: { user, password, database } });
        }),
    );
});
