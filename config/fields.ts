/**
 * The zod fields the config sections share: Pulumi's string forms of numbers and booleans, ports,
 * Docker names and image references. One definition each, so a rule and its message cannot drift.
 */
import { isIPv4 } from "net";
import { z } from "zod";
import { DOCKER_TAG_PATTERN } from "../domain/version";

/** Pulumi stores `config set --path a.b 10` as the string "10": accept numeric strings. */
export const num = (schema: z.ZodNumber) =>
    z.preprocess((v) => (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v)) ? Number(v) : v), schema);

/** `config set --path a.b true` stores the string "true": accept "true"/"false". */
export const bool = () =>
    z.preprocess((v) => (v === "true" ? true : v === "false" ? false : v), z.boolean({ error: "must be true or false" }));

/** A whole number from min to max (numeric strings accepted); `unit` (" s", " per colour") follows each bound in the messages. */
export const wholeNumber = (min: number, max: number, { whole = "a whole number", unit = "" } = {}) =>
    num(
        z
            .number()
            .int({ error: `must be ${whole}` })
            .min(min, { error: `must be at least ${min}${unit}` })
            .max(max, { error: `must be at most ${max}${unit}` }),
    );

/** A TCP port, 1..65535 (numeric strings accepted). */
export const port = () =>
    num(
        z
            .number()
            .int({ error: "must be a whole port number" })
            .min(1, { error: "must be 1..65535" })
            .max(65535, { error: "must be 1..65535" }),
    );

/** Docker container, volume and network names. */
export const DOCKER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$/;

/** Image repository: registry host/port, path components (regex source, unanchored). */
const REPOSITORY = String.raw`(?:[a-zA-Z0-9.-]+(?::[0-9]+)?\/)?[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*`;

/** Image repository without tag or digest. */
export const IMAGE_REPO = new RegExp(`^${REPOSITORY}$`);

/** Image reference with an explicit tag: `repository:tag`. */
export const IMAGE_REF = new RegExp(`^${REPOSITORY}:${DOCKER_TAG_PATTERN}$`);

/** An image reference with an explicit tag; the message shows `example`. */
export const imageRef = (example: string) =>
    z.string().regex(IMAGE_REF, { error: `must be an image reference with an explicit tag, e.g. ${example}` });

/** A host address a published port binds to: an IPv4 literal (0.0.0.0 for all); names are not resolved by Docker here. */
export const bindAddress = () =>
    z
        .string({ error: "must be an IPv4 address such as 127.0.0.1 or 0.0.0.0" })
        .refine((a) => isIPv4(a), { error: "must be an IPv4 address such as 127.0.0.1 or 0.0.0.0 (each part 0-255, no host names)" });
