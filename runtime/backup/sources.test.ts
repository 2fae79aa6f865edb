import { cleanStderr, pgConnectionFromUrl } from "./sources";
import { parseConfig } from "./config";

describe("pgConnectionFromUrl", () => {
    test("maps a URL to libpq variables and keeps the password out of the display", () => {
        const c = pgConnectionFromUrl("postgres://app%40x:p%2Fss%3Aw@db.internal:6543/app_db?sslmode=require&application_name=sy", "app");
        expect(c.env).toEqual({
            PGHOST: "db.internal",
            PGPORT: "6543",
            PGUSER: "app@x",
            PGPASSWORD: "p/ss:w",
            PGDATABASE: "app_db",
            PGSSLMODE: "require",
            PGAPPNAME: "sy",
            PGCONNECT_TIMEOUT: "10",
        });
        expect(c.display).toBe("db.internal:6543/app_db");
        expect(c.secrets).toEqual(expect.arrayContaining(["p/ss:w", "p%2Fss%3Aw"]));
    });
    test("IPv6 host, defaults", () => {
        const c = pgConnectionFromUrl("postgresql://u@[::1]/", "x");
        expect(c.env).toMatchObject({ PGHOST: "::1", PGUSER: "u", PGDATABASE: "u" });
        expect(c.display).toBe("::1:5432/u");
    });
    test.each([
        ["not a url", /postgres 'app': the database URL is not a valid URL/],
        ["mysql://u:secretpw@h/db", /must start with postgres:\/\/ or postgresql:\/\/, got 'mysql:\/\/'/],
        ["postgres://u:secretpw@h/db?foo=1", /unsupported URL parameter 'foo'/],
    ])("rejects %s without echoing it", (url, msg) => {
        let err: Error | undefined;
        try {
            pgConnectionFromUrl(url, "app");
        } catch (e) {
            err = e as Error;
        }
        expect(err?.message).toMatch(msg);
        expect(err?.message).not.toContain("secretpw");
    });
});

describe("cleanStderr", () => {
    test("scrubs secrets and tool prefixes, keeps the last lines", () => {
        const s =
            'pg_dump: error: connection to server at "h" failed: FATAL:  password authentication failed for user "u" (hunter22)\nDETAIL: \n';
        expect(cleanStderr(s, ["hunter22"])).toBe(
            'connection to server at "h" failed: FATAL:  password authentication failed for user "u" (***)',
        );
        expect(cleanStderr("", [])).toBe("no error output");
    });
});

describe("parseConfig", () => {
    const target = { type: "local", root: "/tmp/x" };
    test("defaults", () => {
        const c = parseConfig(JSON.stringify({ target, postgres: [{ name: "app", urlEnv: "DB" }] }), "t");
        expect(c.volumeImage).toBe("switchyard/base:bookworm");
        expect(c.postgres[0]).toEqual({ name: "app", urlEnv: "DB", pgDump: "pg_dump", pgRestore: "pg_restore", psql: "psql" });
    });
    test("errors name the field and never echo values", () => {
        const bad = JSON.stringify({ target, postgres: [{ name: "app", url: "postgres://u:topsecret@h/d", urlEnv: "X" }] });
        expect(() => parseConfig(bad, "env")).toThrow(/'postgres.0': set exactly one of url or urlEnv/);
        try {
            parseConfig(bad, "env");
        } catch (e) {
            expect((e as Error).message).not.toContain("topsecret");
        }
        expect(() =>
            parseConfig(
                JSON.stringify({
                    target,
                    postgres: [
                        { name: "a", urlEnv: "X" },
                        { name: "a", urlEnv: "Y" },
                    ],
                }),
                "f",
            ),
        ).toThrow(/source postgres:a is listed twice/);
        expect(() => parseConfig("{", "f")).toThrow(/not valid JSON/);
        expect(() => parseConfig(JSON.stringify({ target: { type: "ftp" } }), "f")).toThrow(/'target.type'/);
    });
});
