import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { dockerCommand, dockerEnvironment, DockerTlsInput } from "../dockerAccess";
import * as random from "@pulumi/random";
import { Color } from "../../domain/color";
import { CanaryRouterFacts } from "../../domain/policyFacts";
import { ROUTER_IMAGE, ROUTER_IMAGE_RUNTIME } from "../../domain/routerImage";
import { percent, sharesFor } from "../../domain/weights";
import { runtimeCommand } from "../runtimeCommand";
import { renderRouterConfig, RouterSpec, UpstreamTarget } from "./nginxConfig";

export interface CanaryRouterArgs {
    /** Stack name (prefixes Docker names, shown by the status endpoint). */
    stack: string;
    /** The colour that takes the traffic the canary does not. */
    activeColor: Color;
    /** Share of traffic for the non-active colour, permille (0..1000). */
    canaryPermille: number;
    /** Release version per colour (shown by the status endpoint). */
    versions: Record<Color, string>;
    /** App containers per colour. */
    upstreams: Record<Color, pulumi.Input<UpstreamTarget[]>>;
    /**
     * Header name/value that forces the canary. After a failed gate the router keeps the fenced
     * config (RouteFence): forced requests go to the active colour. Without a value, a random
     * one (32 letters and digits, a Pulumi secret) that nobody can guess. @default - no header routing
     */
    header?: { name: string; value?: pulumi.Input<string> };
    /** Cookie whose value `always`/`never` forces or avoids the canary. @default - no cookie routing */
    cookie?: { name: string };
    /** Sticky users by bucket cookie. @default - each request is split on its own */
    sticky?: { cookieName: string; maxAgeSeconds: number };
    /** Maintenance message; when set every request but the status endpoint answers 503. @default - serving */
    maintenanceMessage?: string;
    /** Status endpoint path. */
    statusPath: string;
    /** Serve the status document on the public listener too. @default false - inside the router container only */
    statusPublic?: boolean;
    /** The running router container the config is applied to (see RouterContainer). */
    container: { name: pulumi.Input<string>; id: pulumi.Input<string> };
    /** Docker endpoint the apply step talks to (DOCKER_HOST). */
    dockerHost: string;
    /** TLS client certificate for a tcp:// Docker host (secrets). @default - none */
    dockerTls?: DockerTlsInput;
    /**
     * Checks that must pass before a new routing config is applied (the health gates).
     * @default - none
     */
    gates?: pulumi.Input<pulumi.Resource>[];
    /** Stamps of the route fences (RouteFence): a fence that ran makes the apply run again and lift it. @default - none */
    fenceStamps?: pulumi.Input<string>[];
}

/**
 * The routing of nginx in front of both colours: renders the config from (active colour, weight,
 * header, cookie, sticky, maintenance) and applies it to the running router container by
 * validating it (`nginx -t`) and reloading gracefully, after the health gates. The container
 * itself (RouterContainer) depends on nothing routing touches, so a flip or a weight change never
 * recreates it.
 */
export class CanaryRouter extends pulumi.ComponentResource {
    public readonly configSha256: pulumi.Output<string>;
    /**
     * What the config was rendered from (a secret: it holds the header value). Level-1 rollback
     * renders the flipped config from it and applies it before its update.
     */
    public readonly spec: pulumi.Output<RouterSpec>;
    public readonly weights: Record<Color, number>;
    /** The header that forces the canary (a secret: its value is the key to the canary). */
    public readonly header?: pulumi.Output<{ name: string; value: string }>;

    constructor(name: string, args: CanaryRouterArgs, opts?: pulumi.ComponentResourceOptions) {
        const shares = sharesFor(args.activeColor, args.canaryPermille);
        const weights = { blue: percent(shares.blue), green: percent(shares.green) };
        // Policy facts (domain/policyFacts.ts), known at preview.
        const facts: CanaryRouterFacts = { activeColor: args.activeColor, canaryPermille: args.canaryPermille, weights };
        super("switchyard:routing:CanaryRouter", name, facts, opts);

        const container = args.container;
        const header = args.header && {
            name: args.header.name,
            value:
                args.header.value ??
                pulumi.secret(new random.RandomPassword(`${name}-header-value`, { length: 32, special: false }, { parent: this }).result),
        };
        this.header = header ? pulumi.secret(pulumi.output(header)) : undefined;
        const spec = pulumi
            .all([pulumi.output(args.upstreams.blue), pulumi.output(args.upstreams.green), header?.value])
            .apply(([blue, green, headerValue]): RouterSpec => ({
                stack: args.stack,
                activeColor: args.activeColor,
                canaryPermille: args.canaryPermille,
                versions: args.versions,
                upstreams: { blue, green },
                header: header && headerValue !== undefined ? { name: header.name, value: headerValue } : undefined,
                cookie: args.cookie,
                sticky: args.sticky,
                maintenanceMessage: args.maintenanceMessage,
                statusPath: args.statusPath,
                statusPublic: args.statusPublic ?? false,
                runtime: ROUTER_IMAGE_RUNTIME,
            }));
        this.spec = pulumi.secret(spec);
        const rendered = spec.apply(renderRouterConfig);
        // A hash of the config cannot give the header value back: it stays a plain output.
        this.configSha256 = pulumi.unsecret(rendered.sha256);

        new command.local.Command(
            `${name}-apply`,
            {
                create: dockerCommand(APPLY, args.dockerTls),
                update: dockerCommand(APPLY, args.dockerTls),
                environment: {
                    SY_APPLY_BIN: ROUTER_IMAGE.applyBin,
                    ...dockerEnvironment(args.dockerHost, args.dockerTls),
                    SY_CONTAINER: container.name,
                    SY_CONFIG_B64: rendered.text.apply((t) => Buffer.from(t, "utf8").toString("base64")),
                    SY_CONFIG_SHA256: rendered.sha256,
                    ...(args.fenceStamps ? { SY_FENCES: pulumi.all(args.fenceStamps).apply((s) => s.join(" ").trim()) } : {}),
                },
                // A new router container starts from the config volume, but is applied to again.
                triggers: [container.id],
            },
            { parent: this, dependsOn: args.gates },
        );

        this.weights = weights;
        this.registerOutputs({ ...facts, configSha256: this.configSha256 });
    }
}

/** Validates and applies a routing config inside the running router. */
const APPLY = runtimeCommand("router-apply.sh");
