import type { EngineEvent } from "@pulumi/pulumi/automation";
import { Progress, stamp } from "./progress";

const urn = "urn:pulumi:e2e::switchyard::switchyard:app:ColorStack$docker:index/container:Container::app-green-1";
const meta = (op: string) => ({ op, urn, type: "docker:index/container:Container", provider: "" }) as never;
const ev = (patch: Partial<EngineEvent>): EngineEvent => ({ sequence: 0, timestamp: 0, ...patch });

describe("progress lines from engine events", () => {
    test("stamps read like scripts/lib.sh's", () => {
        expect(stamp(0)).toBe("[switchyard    0.0s]");
        expect(stamp(123_456)).toBe("[switchyard  123.5s]");
    });

    test("a finished step: elapsed since start and the step's own time; same steps are silent", () => {
        let t = 1_000;
        const written: string[] = [];
        const p = new Progress(
            () => t,
            (l) => void written.push(l),
        );
        t = 2_000;
        expect(p.onEvent(ev({ resourcePreEvent: { metadata: meta("create") } }))).toEqual([]);
        expect(p.onEvent(ev({ resourcePreEvent: { metadata: meta("same") } }))).toEqual([]);
        expect(p.onEvent(ev({ resOutputsEvent: { metadata: meta("same") } }))).toEqual([]);
        t = 5_500;
        expect(p.onEvent(ev({ resOutputsEvent: { metadata: meta("create") } }))).toEqual([
            "create app-green-1 [docker:index/container:Container]: done in 3.5s",
        ]);
        t = 6_000;
        p.onEvent(ev({ resourcePreEvent: { metadata: meta("replace") } }));
        t = 7_000;
        expect(p.onEvent(ev({ resOpFailedEvent: { metadata: meta("replace"), status: 1, steps: 1 } }))).toEqual([
            "replace app-green-1 [docker:index/container:Container]: FAILED after 1.0s",
        ]);
        expect(
            p.onEvent(
                ev({ summaryEvent: { maybeCorrupt: false, durationSeconds: 6, resourceChanges: { same: 3, create: 1 }, policyPacks: {} } }),
            ),
        ).toEqual(["engine summary: 1 created, 3 unchanged (6s)"]);
        expect(written).toEqual([
            "[switchyard    4.5s] create app-green-1 [docker:index/container:Container]: done in 3.5s\n",
            "[switchyard    6.0s] replace app-green-1 [docker:index/container:Container]: FAILED after 1.0s\n",
            "[switchyard    6.0s] engine summary: 1 created, 3 unchanged (6s)\n",
        ]);
    });

    test("error and warning diagnostics are shown; info is not", () => {
        const p = new Progress(
            () => 0,
            () => undefined,
        );
        const diag = (severity: "info" | "warning" | "error", message: string) =>
            ev({ diagnosticEvent: { urn, message, color: "never", severity } });
        expect(p.onEvent(diag("info", "hello"))).toEqual([]);
        expect(p.onEvent(diag("error", "container failed:\n  exit 1\n"))).toEqual(["error app-green-1: container failed:", "      exit 1"]);
        expect(p.onEvent(ev({ diagnosticEvent: { message: "update failed", color: "never", severity: "warning" } }))).toEqual([
            "warning: update failed",
        ]);
    });

    test("a policy violation is a progress line too", () => {
        const p = new Progress(
            () => 0,
            () => undefined,
        );
        const lines = p.onEvent(
            ev({
                policyEvent: {
                    message: "weight too high",
                    color: "never",
                    policyName: "canary-weight-bounds",
                    policyPackName: "switchyard",
                    policyPackVersion: "0.1.0",
                    policyPackVersionTag: "0.1.0",
                    enforcementLevel: "mandatory",
                },
            }),
        );
        expect(lines).toEqual(["policy canary-weight-bounds (mandatory): weight too high [switchyard@0.1.0]"]);
    });
});
