import { looksSecret, TYPES, valueHasUrlCredentials } from "./lib";
import { noPlaintextSecrets } from "./noPlaintextSecrets";
import { goodStack, Graph, messages, runResource, runStack, set, UNKNOWN_VALUE } from "../test/support/policies";

const GOOD = { color: "green", version: "1.1.0", plainEnvNames: ["LOG_LEVEL", "SWITCHYARD_COLOR"], secretEnvNames: ["DB_PASSWORD"] };
const colorStack = (patch: Record<string, unknown>, config: object = {}) =>
    runResource(noPlaintextSecrets, {
        type: TYPES.colorStack,
        name: "app-green",
        parents: [TYPES.stack],
        props: { ...GOOD, ...patch },
        config,
    });

describe("no-plaintext-secrets: ColorStack facts (known at preview)", () => {
    test("known-good: secret-looking names only in secretEnvNames", async () => {
        expect(await colorStack({})).toEqual({ violations: [] });
    });
    test.each(["DB_PASSWORD", "API_TOKEN", "stripeSecret", "AWS_SECRET_ACCESS_KEY", "GITHUB_CREDENTIALS", "SENTRY_DSN"])(
        "%s in plain env is refused",
        async (name) => {
            expect(messages(await colorStack({ plainEnvNames: ["LOG_LEVEL", name], secretEnvNames: [] }))).toEqual([
                `app-green: env var ${name} looks like a secret but is passed in plain text; move it to a Pulumi secret: pulumi config rm --path 'app.env.${name}' ` +
                    `(or colors.<colour>.env.${name}), then pulumi config set --secret --path 'secretEnv.${name}' <value>`,
            ]);
        },
    );
    test("allowNames and extraWords from policy config", async () => {
        expect(await colorStack({ plainEnvNames: ["PUBLIC_KEY_URL"] }, { allowNames: ["PUBLIC_KEY_URL"] })).toEqual({ violations: [] });
        expect(messages(await colorStack({ plainEnvNames: ["SESSION_SALT"] }, { extraWords: ["salt"] }))).toHaveLength(1);
    });
    test("missing facts are reported", async () => {
        expect(messages(await colorStack({ secretEnvNames: UNKNOWN_VALUE }))[0]).toContain(
            "ColorStack 'app-green' must expose the policy fact 'secretEnvNames'",
        );
    });
    test.each([
        ["MONKEY_BUSINESS", false],
        ["KEYBOARD", false],
        ["LOG_LEVEL", false],
        ["PASSWORD", true],
        ["db_passwd", true],
        ["apiKey", true],
        ["SIGNING_KEY", true],
    ])("looksSecret(%s) = %s", (name, want) => {
        expect(looksSecret(name)).toBe(want);
    });
    test.each([
        ["postgres://app:hunter2@db:5432/app", true],
        ["https://example.com/path", false],
        ["redis://:pw@cache:6379", false],
        ["http://user@host", false],
    ])("valueHasUrlCredentials(%s) = %s", (v, want) => {
        expect(valueHasUrlCredentials(v)).toBe(want);
    });
});

describe("no-plaintext-secrets: containers against the facts (stack)", () => {
    const run = (g: Graph) => runStack(noPlaintextSecrets, g);
    test("known-good stack passes", async () => {
        expect(await run(goodStack())).toEqual({ violations: [] });
    });
    test("a secret-looking env var the ColorStack does not pass as secret", async () => {
        const g = goodStack();
        (g.get("app-blue-1")!.props.envs as string[]).push("API_TOKEN=abc");
        const o = await run(g);
        expect(messages(o)).toEqual([
            expect.stringContaining(
                "app-blue-1: env var API_TOKEN looks like a secret but is not among the env app-blue passes as Pulumi secrets",
            ),
        ]);
        expect(o.violations[0].urn).toMatch(/::app-blue-1$/);
    });
    test("a URL with a password in a plain env var", async () => {
        const g = goodStack();
        (g.get("app-green-2")!.props.envs as string[]).push("DATABASE_URL=postgres://app:hunter2@db/app");
        expect(messages(await run(g))).toEqual([
            expect.stringContaining("app-green-2: env var DATABASE_URL holds a URL with a password in plain text"),
        ]);
    });
    test("container env unknown at preview: left to the ColorStack check", async () => {
        const g = set(goodStack(), "app-green-1", "envs", UNKNOWN_VALUE);
        expect(await run(g)).toEqual({ violations: [] });
    });
});
