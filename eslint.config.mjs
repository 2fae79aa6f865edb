// Lint: typescript-eslint's recommended rules, and the import direction that keeps the layers
// apart: domain/ is pure (no Pulumi, nothing local outside domain/), components/ never read config.
import tseslint from "typescript-eslint";

const pulumiImports = { group: ["@pulumi/*"], message: "domain/ is pure TypeScript: no Pulumi imports." };
const domainOnly = "domain/ imports only domain/ (it is the shared vocabulary everything else imports).";
// From domain/x.ts nothing above domain/; from domain/<folder>/x.ts only ../ (still domain/).
const localOutsideDomain = { group: ["../*", "!./*"], message: domainOnly };
const localOutsideDomainSub = { group: ["../../*"], message: domainOnly };
const layerImport = (layers, message) => ({ group: layers.flatMap((l) => [`**/${l}`, `**/${l}/*`]), message });

export default tseslint.config(
    { ignores: ["node_modules/", "bin/", ".switchyard/", "coverage/", "app/node_modules/", "policies/node_modules/"] },
    ...tseslint.configs.recommended,
    {
        rules: {
            "@typescript-eslint/no-explicit-any": "off",
            "@typescript-eslint/no-require-imports": "off",
            "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
        },
    },
    {
        files: ["domain/*.ts"],
        rules: { "no-restricted-imports": ["error", { patterns: [pulumiImports, localOutsideDomain] }] },
    },
    {
        files: ["domain/*/**/*.ts"],
        rules: { "no-restricted-imports": ["error", { patterns: [pulumiImports, localOutsideDomainSub] }] },
    },
    {
        files: ["components/**/*.ts"],
        // Tests beside a renderer may parse stack configs: "every config the schema accepts renders".
        ignores: ["components/**/*.test.ts"],
        rules: {
            "no-restricted-imports": [
                "error",
                { patterns: [layerImport(["config"], "components/ get typed values passed in; they never import config/.")] },
            ],
        },
    },
    {
        // config/ parses values into domain/ words; it builds no component.
        files: ["config/**/*.ts"],
        rules: {
            "no-restricted-imports": [
                "error",
                { patterns: [layerImport(["components"], "config/ imports domain/, never components/ (that would make a cycle).")] },
            ],
        },
    },
    {
        // The policy pack runs apart from the program: it shares only domain/ with it.
        files: ["policies/**/*.ts"],
        rules: {
            "no-restricted-imports": [
                "error",
                {
                    patterns: [
                        layerImport(
                            ["components", "config", "runtime"],
                            "policies/ import domain/ only (the shared words), never the program.",
                        ),
                    ],
                },
            ],
        },
    },
    {
        files: ["**/*.js"],
        languageOptions: {
            sourceType: "commonjs",
            globals: {
                require: "readonly",
                module: "writable",
                process: "readonly",
                __dirname: "readonly",
                console: "readonly",
                Buffer: "readonly",
                setTimeout: "readonly",
                clearTimeout: "readonly",
                URL: "readonly",
                fetch: "readonly",
            },
        },
    },
);
