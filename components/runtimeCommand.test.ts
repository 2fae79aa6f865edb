import * as path from "path";
import { runtimeCommand, runtimeFile } from "./runtimeCommand";

describe("runtimeCommand", () => {
    test.each([
        [["gate.js"], "node runtime/gate.js"],
        [["grafana-files.js", "delete"], "node runtime/grafana-files.js delete"],
        [["prometheus-files.sh"], "sh runtime/prometheus-files.sh"],
    ])("%j -> %s", (args, command) => {
        expect(runtimeCommand(...(args as [string, ...string[]]))).toBe(command);
    });

    test.each(["missing.js", "../scripts/setup.sh", "gate.py"])("%s is refused", (file) => {
        expect(() => runtimeCommand(file)).toThrow(`runtime/${file} is not a file of the project`);
    });
});

test("runtimeFile is the file's absolute path in the project", () => {
    expect(runtimeFile("backup.js")).toBe(path.resolve(__dirname, "../runtime/backup.js"));
});
