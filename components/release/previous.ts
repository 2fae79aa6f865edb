import * as pulumi from "@pulumi/pulumi";
import type { Color } from "../../domain/color";
import type { RouterImageFacts } from "../../domain/routerRestart";

/** What the stack ran before this update, from its own last outputs. */
export interface PreviousRelease {
    /** Each colour's version; unset on the first update. */
    versions: pulumi.Output<Partial<Record<Color, string>> | undefined>;
    /** The router image (reference and id); unset on the first update. */
    routerImage: pulumi.Output<Partial<RouterImageFacts> | undefined>;
    /**
     * The outputs the live-colour plan reads, as plain values, before any resource is registered
     * (so a refused update changes nothing), and the idle colour's scale clock (`colorScale`). `colorSecretEnv` is the secret env each colour was
     * released with; it never leaves the program except as a secret.
     */
    colors(): Promise<{ activeColor?: unknown; versions?: unknown; colorSpecs?: unknown; colorSecretEnv?: unknown; colorScale?: unknown }>;
}

/** A reference to the stack itself: the engine reads its last outputs before the program changes anything. */
export function previousRelease(): PreviousRelease {
    const self = new pulumi.StackReference("previous-release", {
        name: `${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}`,
    });
    const read = async (name: string): Promise<unknown> => {
        const d = await self.getOutputDetails(name);
        return d.value ?? d.secretValue;
    };
    return {
        versions: self.getOutput("versions"),
        routerImage: self.getOutput("routerImage"),
        colors: async () => ({
            activeColor: await read("activeColor"),
            versions: await read("versions"),
            colorSpecs: await read("colorSpecs"),
            colorSecretEnv: await read("colorSecretEnv"),
            colorScale: await read("colorScale"),
        }),
    };
}
