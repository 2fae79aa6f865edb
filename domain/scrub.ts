/**
 * Masking secret values in text that leaves the program (error messages, command output). Pure:
 * the caller says which values are secret; every occurrence of each is replaced.
 */

export const MASK = "[secret]";

/** Values shorter than this are not masked: masking "1" or "a" would garble every message and hide nothing. */
export const MIN_SECRET_LENGTH = 3;

/**
 * The forms a secret can take in output: itself, URL-encoded, and for a URL with a password the
 * password alone (clients print it decoded or encoded).
 */
export function secretForms(value: string): string[] {
    const forms = [value, encodeURIComponent(value)];
    const m = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s/@:]*:([^\s/@]+)@/.exec(value);
    if (m) {
        forms.push(m[1]);
        try {
            forms.push(decodeURIComponent(m[1]));
        } catch {
            // A malformed %-escape: the raw form is masked already.
        }
    }
    return forms;
}

/** Every string leaf of `value` (objects and lists walked), e.g. a secret config key's whole value. */
export function stringLeaves(value: unknown): string[] {
    if (typeof value === "string") {
        return [value];
    }
    if (typeof value === "number" || typeof value === "boolean") {
        return [String(value)];
    }
    if (Array.isArray(value)) {
        return value.flatMap(stringLeaves);
    }
    if (value !== null && typeof value === "object") {
        return Object.values(value).flatMap(stringLeaves);
    }
    return [];
}

/** A function that replaces every form of every secret in a text with MASK, longest first. */
export function scrubber(secrets: Iterable<string>): (text: string) => string {
    const all = [...new Set([...secrets].flatMap(secretForms))]
        .filter((s) => s.length >= MIN_SECRET_LENGTH)
        .sort((a, b) => b.length - a.length);
    if (all.length === 0) {
        return (text) => text;
    }
    return (text) => all.reduce((t, s) => t.split(s).join(MASK), text);
}
