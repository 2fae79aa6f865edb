import * as fs from "fs";
import * as path from "path";

/** The project directory: Pulumi runs the program, and its local commands, there. */
const PROJECT = path.resolve(__dirname, "..");

/**
 * How a local Command runs one of the project's `runtime/` files. The path is relative to the
 * project directory (where commands run), so state does not depend on where the checkout lives.
 */
export function runtimeCommand(file: string, ...args: string[]): string {
    if (!/^[a-z][a-z0-9-]*\.(js|sh)$/.test(file) || !fs.existsSync(path.join(PROJECT, "runtime", file))) {
        throw new Error(`runtimeCommand: runtime/${file} is not a file of the project`);
    }
    return [file.endsWith(".js") ? "node" : "sh", `runtime/${file}`, ...args].join(" ");
}
