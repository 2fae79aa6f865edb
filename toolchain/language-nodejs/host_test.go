package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/structpb"
)

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func names(pkgs []requiredPackage) []string {
	var out []string
	for _, p := range pkgs {
		out = append(out, p.Name+"@"+p.Version)
	}
	return out
}

func TestScanPackagesFindsResourcePackagesOnly(t *testing.T) {
	dir := t.TempDir()
	nm := filepath.Join(dir, "node_modules")
	writeFile(t, filepath.Join(nm, "@pulumi/docker/package.json"),
		`{"name":"@pulumi/docker","version":"5.2.0","pulumi":{"resource":true,"name":"docker","version":"5.2.0"}}`)
	// version from the package itself, name derived from the @pulumi scope
	writeFile(t, filepath.Join(nm, "@pulumi/random/package.json"),
		`{"name":"@pulumi/random","version":"4.21.2","pulumi":{"resource":true}}`)
	// not a plugin package
	writeFile(t, filepath.Join(nm, "@pulumi/pulumi/package.json"), `{"name":"@pulumi/pulumi","version":"3.259.0"}`)
	writeFile(t, filepath.Join(nm, "zod/package.json"), `{"name":"zod","version":"4.1.12"}`)
	// resource:false is not a plugin
	writeFile(t, filepath.Join(nm, "@pulumi/policy/package.json"),
		`{"name":"@pulumi/policy","version":"1.21.0","pulumi":{"resource":false}}`)
	// third party with an explicit plugin name, nested under another package's node_modules
	writeFile(t, filepath.Join(nm, "zod/node_modules/acme-thing/package.json"),
		`{"name":"acme-thing","version":"v0.3.0","pulumi":{"resource":true,"name":"acme","server":"https://example.invalid"}}`)
	// duplicate of docker at the same version: reported once
	writeFile(t, filepath.Join(nm, "zod/node_modules/@pulumi/docker/package.json"),
		`{"name":"@pulumi/docker","version":"5.2.0","pulumi":{"resource":true,"name":"docker","version":"5.2.0"}}`)
	// a policy pack inside the program tree: its plugins are not the program's
	writeFile(t, filepath.Join(dir, "policy/PulumiPolicy.yaml"), "runtime: nodejs\n")
	writeFile(t, filepath.Join(dir, "policy/node_modules/@pulumi/aws/package.json"),
		`{"name":"@pulumi/aws","version":"7.48.0","pulumi":{"resource":true}}`)
	// a symlink loop must not hang the scan
	if err := os.Symlink(nm, filepath.Join(nm, "zod", "node_modules", "loop")); err != nil {
		t.Fatal(err)
	}

	pkgs, err := scanPackages(dir)
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	got := names(pkgs)
	want := []string{"acme@v0.3.0", "docker@v5.2.0", "random@v4.21.2"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	if pkgs[0].Server != "https://example.invalid" {
		t.Fatalf("server not carried: %+v", pkgs[0])
	}
}

func TestScanPackagesReportsBrokenThirdPartyButKeepsOthers(t *testing.T) {
	dir := t.TempDir()
	nm := filepath.Join(dir, "node_modules")
	writeFile(t, filepath.Join(nm, "nameless/package.json"), `{"name":"nameless","version":"1.0.0","pulumi":{"resource":true}}`)
	writeFile(t, filepath.Join(nm, "@pulumi/command/package.json"), `{"name":"@pulumi/command","version":"1.2.1","pulumi":{"resource":true}}`)
	pkgs, err := scanPackages(dir)
	if err == nil || !strings.Contains(err.Error(), "nameless") {
		t.Fatalf("expected an error naming the broken package, got %v", err)
	}
	if got := names(pkgs); !reflect.DeepEqual(got, []string{"command@v1.2.1"}) {
		t.Fatalf("got %v", got)
	}
}

func TestScanPackagesFallsBackToAncestorNodeModules(t *testing.T) {
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "node_modules/@pulumi/random/package.json"),
		`{"name":"@pulumi/random","version":"4.21.2","pulumi":{"resource":true}}`)
	prog := filepath.Join(root, "test", "engine", "prog")
	writeFile(t, filepath.Join(prog, "index.ts"), "")
	pkgs, err := scanPackages(prog)
	if err != nil {
		t.Fatal(err)
	}
	if got := names(pkgs); !reflect.DeepEqual(got, []string{"random@v4.21.2"}) {
		t.Fatalf("got %v", got)
	}
}

func TestSplitArgs(t *testing.T) {
	cases := map[string][]string{
		"":                                   nil,
		"--max-old-space-size=4096":          {"--max-old-space-size=4096"},
		`  --a  "b c"  'd "e"' f\ g `:        {"--a", "b c", `d "e"`, "f g"},
		`--require "./x y.js" --no-warnings`: {"--require", "./x y.js", "--no-warnings"},
	}
	for in, want := range cases {
		got, err := splitArgs(in)
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%q: got %#v want %#v", in, got, want)
		}
	}
	if _, err := splitArgs(`"unterminated`); err == nil {
		t.Error("expected an error for an unterminated quote")
	}
}

func TestParseOptions(t *testing.T) {
	o, err := parseOptions(nil)
	if err != nil || !o.typescript {
		t.Fatalf("defaults: %+v %v", o, err)
	}
	opts, _ := structpb.NewStruct(map[string]any{"typescript": false, "tsconfig": "tsconfig.pulumi.json", "nodeargs": "--a 'b c'"})
	o, err = parseOptions(&pulumirpc.ProgramInfo{Options: opts})
	if err != nil {
		t.Fatal(err)
	}
	if o.typescript || o.tsconfig != "tsconfig.pulumi.json" || !reflect.DeepEqual(o.nodeargs, []string{"--a", "b c"}) {
		t.Fatalf("got %+v", o)
	}
	bad, _ := structpb.NewStruct(map[string]any{"typescript": "yes"})
	if _, err := parseOptions(&pulumirpc.ProgramInfo{Options: bad}); err == nil {
		t.Fatal("expected an error for a non-boolean typescript option")
	}
}

func TestRunArgs(t *testing.T) {
	req := &pulumirpc.RunRequest{
		MonitorAddress: "127.0.0.1:1", Organization: "org", Project: "proj", Stack: "dev",
		DryRun: true, Parallel: 8, Args: []string{"extra"},
		Info: &pulumirpc.ProgramInfo{RootDirectory: "/r", ProgramDirectory: "/r/p", EntryPoint: "."},
	}
	got := runArgs(req, "/nm/run/index.js", "/r/p", "127.0.0.1:2", "")
	want := []string{"/nm/run/index.js", "--monitor", "127.0.0.1:1", "--engine", "127.0.0.1:2",
		"--organization", "org", "--project", "proj", "--root-directory", "/r", "--stack", "dev",
		"--pwd", "/r/p", "--dry-run", "--parallel", "8", ".", "extra"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %v\nwant %v", got, want)
	}
}

func TestRunResponseFor(t *testing.T) {
	exit := func(code string) error { return exec.Command("sh", "-c", "exit "+code).Run() }
	if r := runResponseFor(nil); r.Error != "" || r.Bail {
		t.Fatalf("success: %+v", r)
	}
	if r := runResponseFor(exit("32")); !r.Bail || r.Error != "" {
		t.Fatalf("exit 32 must bail silently: %+v", r)
	}
	if r := runResponseFor(exit("3")); r.Bail || r.Error != "Program exited with non-zero exit code: 3" {
		t.Fatalf("exit 3: %+v", r)
	}
	if r := runResponseFor(exec.Command("/nonexistent/node").Run()); !strings.Contains(r.Error, "could not run node") {
		t.Fatalf("missing binary: %+v", r)
	}
}

// TestRunPassesConfigToNode runs the real Run RPC against a stand-in for @pulumi/pulumi/cmd/run that
// records its argv and environment, and checks the exit code mapping.
func TestRunPassesConfigToNode(t *testing.T) {
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node not on PATH")
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "seen.json")
	script := filepath.Join(dir, "fake-run.js")
	writeFile(t, script, `require("fs").writeFileSync(process.env.SEEN_FILE, JSON.stringify({
		argv: process.argv.slice(2), cwd: process.cwd(),
		config: JSON.parse(process.env.PULUMI_CONFIG), secretKeys: JSON.parse(process.env.PULUMI_CONFIG_SECRET_KEYS),
		ts: process.env.PULUMI_NODEJS_TYPESCRIPT || "" }));
		process.exit(Number(process.env.FAKE_EXIT || 0));`)
	t.Setenv("PULUMI_LANGUAGE_NODEJS_RUN_PATH", script)
	t.Setenv("SEEN_FILE", out)

	h := newHost("127.0.0.1:9", "")
	req := &pulumirpc.RunRequest{
		MonitorAddress: "127.0.0.1:7", Project: "proj", Stack: "dev",
		Config:           map[string]string{"proj:greeting": "hi", "proj:password": "pw"},
		ConfigSecretKeys: []string{"proj:password"},
		Info:             &pulumirpc.ProgramInfo{RootDirectory: dir, ProgramDirectory: dir, EntryPoint: "index.ts"},
	}
	resp, err := h.Run(context.Background(), req)
	if err != nil || resp.Error != "" || resp.Bail {
		t.Fatalf("run: %+v %v", resp, err)
	}
	var seen struct {
		Argv       []string          `json:"argv"`
		Cwd        string            `json:"cwd"`
		Config     map[string]string `json:"config"`
		SecretKeys []string          `json:"secretKeys"`
		TS         string            `json:"ts"`
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &seen); err != nil {
		t.Fatal(err)
	}
	if seen.Config["proj:greeting"] != "hi" || !reflect.DeepEqual(seen.SecretKeys, []string{"proj:password"}) {
		t.Fatalf("config not passed: %+v", seen)
	}
	if seen.TS != "true" || seen.Argv[len(seen.Argv)-1] != "index.ts" || !strings.Contains(strings.Join(seen.Argv, " "), "--engine 127.0.0.1:9") {
		t.Fatalf("argv/env wrong: %+v", seen)
	}
	if real, _ := filepath.EvalSymlinks(dir); seen.Cwd != real && seen.Cwd != dir {
		t.Fatalf("cwd %s, want %s", seen.Cwd, dir)
	}

	t.Setenv("FAKE_EXIT", "32")
	resp, _ = h.Run(context.Background(), req)
	if !resp.Bail {
		t.Fatalf("exit 32 should bail: %+v", resp)
	}
	t.Setenv("FAKE_EXIT", "5")
	resp, _ = h.Run(context.Background(), req)
	if resp.Error != "Program exited with non-zero exit code: 5" {
		t.Fatalf("exit 5: %+v", resp)
	}
}
