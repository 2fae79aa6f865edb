/**
 * Credentials written into plain config: a password in a URL, a `password=` pair, or a password
 * argument in an argv list. Plain config lands in the stack file and in state as clear text, so
 * these are refused and moved to a secret key. Pure: values in, paths and kinds out (never values).
 */

export type CredentialKind = "url" | "pair" | "argument" | "option";

export interface CredentialFinding {
    readonly path: readonly (string | number)[];
    readonly kind: CredentialKind;
}

/**
 * `scheme://user:password@`: a password in the userinfo. A password that is a `$VAR` reference is
 * not a credential (the value comes from the environment at run time).
 */
const URL_PASSWORD = /[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s/@:]*:(?!\$)[^\s/@]+@/;

/**
 * `password=...`, `DB_PASSWD=...`, `pwd=...` (also inside connection strings). Excepted: `$VAR`
 * references and switch values (`show_password=true`).
 */
const PASSWORD_PAIR =
    /(?:^|[^A-Za-z0-9])[A-Za-z0-9_]*(?:password|passwd|pwd)\s*=\s*(?!\$)(?!(?:true|false|yes|no|on|off|[01])(?:$|[\s&;,]))[^\s&;,'"]/i;

/** An argv flag whose next item is the password (`--password hunter2`). */
const PASSWORD_FLAG = /^--?(?:password|passwd|pwd)$/i;

/** A value that is not a literal: a `$VAR`/`"$VAR"` reference, or empty (the client asks for it). */
const NOT_LITERAL = String.raw`(?!["']?\$)`;

/**
 * A password inside a command line, in the form its client takes: `curl -u user:pass` (also
 * `--user user:pass`, `-uuser:pass`) and mysql's `-pPASS` (the password glued to `-p`; a lone
 * `-p` prompts). Only after the client's name, since `-p` and `-u` mean other things elsewhere
 * (`mkdir -p`, `docker run -p`).
 */
const COMMAND_OPTIONS: readonly RegExp[] = [
    new RegExp(String.raw`\bcurl\b[^;&|\n]*\s(?:-u\s*|--user[=\s]\s*)["']?[^\s:'"$]*:${NOT_LITERAL}[^\s'"]+`),
    new RegExp(String.raw`\b(?:mysql|mysqldump|mysqladmin|mysqlimport|mariadb|mariadb-dump)\b[^;&|\n]*\s-p${NOT_LITERAL}["']?[^\s'"]`),
];

/** The clients whose options COMMAND_OPTIONS knows, as an argv's first item names them. */
const CLIENT = /(?:^|\/)(curl|mysql|mysqldump|mysqladmin|mysqlimport|mariadb|mariadb-dump)$/;

/** What kind of credential `value` holds, if it looks like one. */
export function credentialIn(value: string): CredentialKind | undefined {
    if (URL_PASSWORD.test(value)) {
        return "url";
    }
    if (PASSWORD_PAIR.test(value)) {
        return "pair";
    }
    if (COMMAND_OPTIONS.some((re) => re.test(value))) {
        return "option";
    }
    return undefined;
}

/** Whether item `i` of an argv list is a password in a client's option form (`curl -u u:p`, `mysql -pPASS`). */
function optionArgument(argv: readonly unknown[], i: number): boolean {
    const item = argv[i];
    const client = argv.slice(0, i).find((a): a is string => typeof a === "string" && CLIENT.test(a));
    if (typeof item !== "string" || client === undefined) {
        return false;
    }
    const prev = argv[i - 1];
    const literal = (v: string) => v !== "" && !/^["']?\$/.test(v);
    if (/curl$/.test(client)) {
        const userPass = (v: string) => /^[^:$]*:/.test(v) && literal(v.slice(v.indexOf(":") + 1));
        const glued = /^(?:-u|--user=)(.+)$/.exec(item);
        return glued ? userPass(glued[1]) : (prev === "-u" || prev === "--user") && userPass(item);
    }
    const glued = /^-p(.+)$/.exec(item);
    return glued !== null && literal(glued[1]);
}

/** Every string in `value` (objects and lists walked) that looks like a credential, by path. */
export function findCredentials(value: unknown, path: readonly (string | number)[] = []): CredentialFinding[] {
    if (typeof value === "string") {
        const kind = credentialIn(value);
        return kind ? [{ path, kind }] : [];
    }
    if (Array.isArray(value)) {
        return value.flatMap((item, i) => {
            const prev = value[i - 1];
            // psql-style `--password` takes no value: an item that is a flag or a `$VAR` is not a password.
            const isArgument =
                typeof prev === "string" && PASSWORD_FLAG.test(prev) && typeof item === "string" && item !== "" && !/^[-$]/.test(item);
            if (isArgument) {
                return [{ path: [...path, i], kind: "argument" as const }];
            }
            return optionArgument(value, i) ? [{ path: [...path, i], kind: "option" as const }] : findCredentials(item, [...path, i]);
        });
    }
    if (value !== null && typeof value === "object") {
        return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => findCredentials(v, [...path, k]));
    }
    return [];
}

const WHAT: Record<CredentialKind, string> = {
    url: "a URL with user:password@",
    pair: "a password=... pair",
    argument: "a password argument",
    option: "a password in a command-line option such as curl -u user:pass or mysql -pPASS",
};

/** How to keep the credential at `path` out of plain config: the secret key it belongs in. */
export function credentialFix(path: readonly (string | number)[]): string {
    const [head, second, third, fourth] = path.map(String);
    // Pulumi's --path syntax: list indexes in brackets (docker.hosts[0].host).
    const dotted = path
        .map(String)
        .map((p, i) => (/^\d+$/.test(p) ? `[${p}]` : i === 0 ? p : `.${p}`))
        .join("");
    const rm = `pulumi config rm --path '${dotted}'`;
    const envName = head === "app" && second === "env" ? third : head === "colors" && third === "env" ? fourth : undefined;
    if (envName !== undefined) {
        return `${rm}, then pulumi config set --secret --path 'secretEnv.${envName}' VALUE (secretEnv reaches every colour as a Pulumi secret)`;
    }
    if (head === "migration") {
        return (
            "put the password in a secret env var (pulumi config set --secret --path 'secretEnv.NAME' VALUE; the migration gets secretEnv) " +
            `and refer to it as $NAME, e.g. ["sh", "-c", "migrate --password \\"$NAME\\""]`
        );
    }
    if (head === "backup") {
        return `${rm}; database URLs go in the secret map backupSecrets: pulumi config set --secret --path 'backupSecrets.NAME' postgres://user:password@host:5432/db`;
    }
    if (head === "docker") {
        return `${rm}; switchyard never takes a Docker password: use an SSH key (ssh-agent or ~/.ssh/config) for ssh://user@host, or TLS client certificates in the secret dockerTls for tcp://`;
    }
    if (head === "monitoring") {
        return `${rm}; the Grafana API token is the secret grafanaToken: pulumi config set --secret grafanaToken TOKEN`;
    }
    return `${rm}; credentials belong in a secret key (secretEnv, backupSecrets, registryAuth, grafanaToken, dockerTls), set with pulumi config set --secret`;
}

/** The message for one finding; `key` is its `switchyard:...` name. Never includes the value. */
export function credentialMessage(key: string, finding: CredentialFinding): string {
    return (
        `${key}: looks like a credential (${WHAT[finding.kind]}) in plain config, which the stack file and state keep as clear text; ` +
        `the value is not shown. Fix: ${credentialFix(finding.path)}`
    );
}
