import * as pulumi from "@pulumi/pulumi";
import type { Color } from "../../domain/color";
import type { RouterImageFacts } from "../../domain/routerRestart";

/** What the stack ran before this update, from its own last outputs. */
export interface PreviousRelease {
    /** Each colour's version; unset on the first update. */
    versions: pulumi.Output<Partial<Record<Color, string>> | undefined>;
    /** The router image (reference and id); unset on the first update. */
    routerImage: pulumi.Output<Partial<RouterImageFacts> | undefined>;
}

/** A reference to the stack itself: the engine reads its last outputs before the program changes anything. */
export function previousRelease(): PreviousRelease {
    const self = new pulumi.StackReference("previous-release", {
        name: `${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}`,
    });
    return { versions: self.getOutput("versions"), routerImage: self.getOutput("routerImage") };
}
