// Entry point of the policy pack (package.json "main"): serves the policies to the Pulumi engine.
import { PolicyPack } from "@pulumi/policy";
import { currentStack, stackPolicyConfig } from "./enforcement";
import { allPolicies } from "./policies";

new PolicyPack(
    "switchyard",
    {
        description:
            "Keeps switchyard releases safe: pinned images, healthy and bounded app containers, gated canaries, backups before releases, hardened snapshot buckets, deployment windows, no plaintext secrets.",
        enforcementLevel: "advisory",
        policies: allPolicies,
    },
    stackPolicyConfig(currentStack()),
);
