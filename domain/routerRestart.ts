/** The router image as a stack output records it: the reference in config and the image id run. */
export interface RouterImageFacts {
    image: string;
    imageId?: string;
}

const short = (id: string) => id.replace(/^sha256:/, "").slice(0, 12);

/**
 * Why this update must not replace the router, or undefined. A new router image replaces the
 * router container (the provider deletes the old one first), so the router answers nothing for a
 * moment: that happens only when the operator asks for it with `router.allowRestart`. A first
 * deployment, or a stack whose outputs do not record the router image yet, has nothing to restart.
 */
export function routerRestartRefusal(
    previous: Partial<RouterImageFacts> | undefined,
    next: RouterImageFacts,
    allowed: boolean,
): string | undefined {
    if (allowed || !previous?.image) {
        return undefined;
    }
    let what: string;
    if (previous.image !== next.image) {
        what = `router.image changes from ${previous.image} to ${next.image}`;
    } else if (previous.imageId && next.imageId && previous.imageId !== next.imageId) {
        what = `the router image ${next.image} was rebuilt (${short(previous.imageId)} -> ${short(next.imageId)})`;
    } else {
        return undefined;
    }
    return (
        `switchyard: ${what}; that replaces the router container, which answers nothing for about 1.5 s ` +
        '(README "Router image changes"). Nothing was changed. To do it now: ' +
        "pulumi config set --path router.allowRestart true && pulumi up --refresh, then pulumi config rm --path router.allowRestart"
    );
}
