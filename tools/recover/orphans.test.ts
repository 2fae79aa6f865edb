import { orphans, parsePs } from "./orphans";

describe("recover: pure parts", () => {
    test("only containers state does not know are orphans", () => {
        expect(
            orphans(
                [
                    { id: "1", name: "a" },
                    { id: "2", name: "b" },
                ],
                [
                    { urn: "u", type: "docker:index/container:Container", id: "1" },
                    { urn: "v", type: "docker:index/network:Network", id: "2" },
                ],
            ),
        ).toEqual([{ id: "2", name: "b" }]);
    });

    test("docker ps lines are read as id and name", () => {
        expect(parsePs("abc e2e-app-green-1\ndef e2e-app-green-2\n")).toEqual([
            { id: "abc", name: "e2e-app-green-1" },
            { id: "def", name: "e2e-app-green-2" },
        ]);
        expect(parsePs("")).toEqual([]);
    });
});
