/** Test tiers. `unit`: pure functions, Pulumi mocks, policy unit tests and tools started
 * locally (nginx -t, promtool, PostgreSQL). `engine`: the real Pulumi CLI against the
 * local Docker engine (run serially, see scripts/test.sh). */
const tsJest = ["ts-jest", { tsconfig: "tsconfig.json" }];
module.exports = {
    // Global (Jest reads it only at the top level): mocked program runs and real servers take
    // seconds on a loaded 2-core machine. Engine test files raise it with jest.setTimeout.
    testTimeout: 60_000,
    projects: [
        {
            displayName: "unit",
            testEnvironment: "node",
            transform: { "^.+\\.ts$": tsJest },
            testMatch: ["<rootDir>/*.test.ts", "<rootDir>/{domain,config,components,policies,runtime,tools,app}/**/*.test.ts"],
            testPathIgnorePatterns: ["/node_modules/"],
        },
        {
            displayName: "engine",
            testEnvironment: "node",
            transform: { "^.+\\.ts$": tsJest },
            testMatch: ["<rootDir>/test/engine/**/*.test.ts"],
        },
    ],
};
