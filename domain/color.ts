/** The two colours. Which one is live is a value, never part of a resource name. */
export const COLORS = ["blue", "green"] as const;
export type Color = (typeof COLORS)[number];

export function isColor(v: unknown): v is Color {
    return v === "blue" || v === "green";
}

export function otherColor(c: Color): Color {
    return c === "blue" ? "green" : "blue";
}

/** One value per colour, made by `make` (blue first). */
export function perColor<T>(make: (c: Color) => T): Record<Color, T> {
    return { blue: make("blue"), green: make("green") };
}
