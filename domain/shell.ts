/** One POSIX shell word: the value in single quotes, each `'` written as `'\''`. */
export function shellQuote(s: string): string {
    return `'${s.replace(/'/g, `'\\''`)}'`;
}
