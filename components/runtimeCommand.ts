import * as fs from "fs";
import * as path from "path";

/** The project directory: Pulumi runs the program, and its local commands, there. */
export const PROJECT_DIR = path.resolve(__dirname, "..");

/** The absolute path of one of the project's `runtime/` files; throws for anything else. */
export function runtimeFile(file: string): string {
    const abs = path.join(PROJECT_DIR, "runtime", file);
    if (!/^[a-z][a-z0-9-]*\.(js|sh)$/.test(file) || !fs.existsSync(abs)) {
        throw new Error(`runtimeCommand: runtime/${file} is not a file of the project`);
    }
    return abs;
}

/**
 * How a local Command runs one of the project's `runtime/` files. The path is relative to the
 * project directory (where commands run), so state does not depend on where the checkout lives.
 */
export function runtimeCommand(file: string, ...args: string[]): string {
    runtimeFile(file);
    return [file.endsWith(".js") ? "node" : "sh", `runtime/${file}`, ...args].join(" ");
}
