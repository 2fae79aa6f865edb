// Lint: typescript-eslint's recommended rules, and the import direction that keeps the layers
// apart: domain/ is pure (no Pulumi, nothing local outside domain/), components/ never read config.
import tseslint from "typescript-eslint";

const pulumiImports = { group: ["@pulumi/*"], message: "domain/ is pure TypeScript: no Pulumi imports." };
const localOutsideDomain = {
    group: ["../*", "!./*"],
    message: "domain/ imports only domain/ (it is the shared vocabulary everything else imports).",
};

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
        files: ["domain/**/*.ts"],
        rules: { "no-restricted-imports": ["error", { patterns: [pulumiImports, localOutsideDomain] }] },
    },
    {
        files: ["components/**/*.ts"],
        rules: {
            "no-restricted-imports": [
                "error",
                {
                    patterns: [
                        {
                            group: ["**/config", "**/config/*"],
                            message: "components/ get typed values passed in; they never import config/.",
                        },
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
