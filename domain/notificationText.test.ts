import fc from "fast-check";
import { DEFAULT_TEMPLATES, escapeFor, renderTemplate, templateFields } from "./notificationText";
import { ReleaseEvent, RELEASE_EVENT_KINDS } from "./releaseEvent";

const event: ReleaseEvent = {
    kind: "inconclusive",
    at: "2026-01-01T00:00:00.000Z",
    stack: "prod",
    deploymentId: "prod-green-1-2-0-x",
    canaryColor: "green",
    stableColor: "blue",
    versions: { from: "1.1.0", to: "1.2.0" },
    step: { index: 1, count: 4, weightPercent: 25 },
    reason: "only 3 requests <5>",
    commands: ["switchyard release promote --stack prod", "switchyard release abort --stack prod"],
};

test.each([
    ["html", "{{stack}} <b>{{reason}}</b>", "prod <b>only 3 requests &lt;5&gt;</b>"],
    ["slack", "{{reason}}", "only 3 requests &lt;5&gt;"],
    ["plain", "{{reason}}", "only 3 requests <5>"],
    ["plain", "step {{step}} at {{weight}}%", "step 2/4 at 25%"],
    ["plain", "{{nosuch}} {{ to }}", "{{nosuch}} 1.2.0"],
    ["plain", "{{decision}}  x", "x"],
] as const)("%s %j", (format, template, expected) => {
    expect(renderTemplate(template, templateFields(event), format)).toBe(expected);
});

test("the inconclusive default names the exact promote and abort commands", () => {
    const text = renderTemplate(DEFAULT_TEMPLATES.inconclusive, templateFields(event), "plain");
    expect(text).toContain("Promote: switchyard release promote --stack prod");
    expect(text).toContain("Abort: switchyard release abort --stack prod");
});

test("every event kind has a default template", () => {
    expect(Object.keys(DEFAULT_TEMPLATES).sort()).toEqual([...RELEASE_EVENT_KINDS].sort());
});

test("property: an escaped value never opens an HTML tag", () => {
    fc.assert(
        fc.property(fc.string(), (v) => {
            const out = renderTemplate("<i>{{reason}}</i>", templateFields({ ...event, reason: v }), "html");
            expect(out.slice(3, -4)).not.toMatch(/[<>]/);
            expect(escapeFor("html", v)).not.toMatch(/[<>"]/);
        }),
    );
});
