package command

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"github.com/switchyard/toolchain/providers/internal/core"
	"github.com/switchyard/toolchain/providers/internal/testutil"
)

func harness(t *testing.T) testutil.Harness {
	return testutil.Harness{T: t, P: core.New("command", "1.2.1", Resources()), Type: Token}
}

func TestDiffSemantics(t *testing.T) {
	h := harness(t)
	base := map[string]any{"create": "echo a", "triggers": []any{"v1"}, "environment": map[string]any{"A": "1"}}
	olds := h.MustCheck("c", testutil.P(base))
	olds["stdout"] = resource.NewStringProperty("a")
	cases := []struct {
		name    string
		change  map[string]any
		changed []string
		replace []string
	}{
		{"no change", nil, nil, nil},
		{"create changes -> update in place", map[string]any{"create": "echo b"}, []string{"create"}, nil},
		{"update added -> update", map[string]any{"update": "echo u"}, []string{"update"}, nil},
		{"delete changes -> update", map[string]any{"delete": "echo d"}, []string{"delete"}, nil},
		{"env changes -> update", map[string]any{"environment": map[string]any{"A": "2"}}, []string{"environment"}, nil},
		{"triggers change -> replace", map[string]any{"triggers": []any{"v2"}}, []string{"triggers"}, []string{"triggers"}},
		{"dir -> update", map[string]any{"dir": "/tmp"}, []string{"dir"}, nil},
		{"addPreviousOutputInEnv default true is no change", map[string]any{"addPreviousOutputInEnv": true}, nil, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			raw := testutil.P(base)
			for k, v := range tc.change {
				raw[resource.PropertyKey(k)] = resource.NewPropertyValue(v)
			}
			d := h.Diff("c", "id", olds, h.MustCheck("c", raw))
			if strings.Join(d.Diffs, ",") != strings.Join(tc.changed, ",") || strings.Join(d.Replaces, ",") != strings.Join(tc.replace, ",") {
				t.Fatalf("diffs=%v replaces=%v, want %v %v", d.Diffs, d.Replaces, tc.changed, tc.replace)
			}
			if len(tc.replace) > 0 && d.DetailedDiff["triggers"].Kind != pulumirpc.PropertyDiff_UPDATE_REPLACE {
				t.Fatalf("detailed: %v", d.DetailedDiff)
			}
		})
	}
}

func TestLifecycle(t *testing.T) {
	h := harness(t)
	dir := t.TempDir()
	log := filepath.Join(dir, "log")
	in := h.MustCheck("c", testutil.P(map[string]any{
		"create":      "echo created; echo warn >&2; echo create >> " + log,
		"update":      `echo "updated from [$PULUMI_COMMAND_STDOUT]"; echo update >> ` + log,
		"delete":      `echo "delete saw [$PULUMI_COMMAND_STDOUT] [$PULUMI_COMMAND_STDERR] $X" >> ` + log,
		"environment": map[string]any{"X": "x1"},
		"dir":         dir,
	}))
	// preview: nothing runs, outputs unknown
	_, pouts, err := h.Create("c", in, true)
	if err != nil || !pouts["stdout"].IsComputed() {
		t.Fatalf("preview: %v %v", err, pouts["stdout"])
	}
	if _, err := os.Stat(log); err == nil {
		t.Fatal("preview ran the command")
	}
	id, outs, err := h.Create("c", in, false)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(id, "c") || outs["stdout"].StringValue() != "created" || outs["stderr"].StringValue() != "warn" {
		t.Fatalf("create: id=%s outs=%v", id, outs)
	}
	news := in.Copy()
	news["environment"] = resource.NewObjectProperty(resource.PropertyMap{"X": resource.NewStringProperty("x2")})
	outs2, err := h.Update("c", id, outs, news, false)
	if err != nil {
		t.Fatal(err)
	}
	if got := outs2["stdout"].StringValue(); got != "updated from [created]" {
		t.Fatalf("update stdout %q", got)
	}
	if err := h.Delete("c", id, outs2); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(log)
	want := "create\nupdate\ndelete saw [updated from [created]] [] x2\n"
	if string(b) != want {
		t.Fatalf("log:\n%s\nwant:\n%s", b, want)
	}
}

func TestUpdateWithoutUpdateRunsCreate(t *testing.T) {
	h := harness(t)
	in := h.MustCheck("c", testutil.P(map[string]any{"create": "echo one"}))
	id, outs, _ := h.Create("c", in, false)
	news := h.MustCheck("c", testutil.P(map[string]any{"create": "echo two"}))
	o, err := h.Update("c", id, outs, news, false)
	if err != nil || o["stdout"].StringValue() != "two" {
		t.Fatalf("%v %v", err, o["stdout"])
	}
}

func TestSecretsPropagate(t *testing.T) {
	h := harness(t)
	in := h.MustCheck("c", testutil.P(map[string]any{"create": "echo $TOKEN"}))
	in["environment"] = resource.NewObjectProperty(resource.PropertyMap{"TOKEN": resource.MakeSecret(resource.NewStringProperty("s3cret"))})
	_, outs, err := h.Create("c", in, false)
	if err != nil {
		t.Fatal(err)
	}
	if !outs["stdout"].IsSecret() || !outs["stderr"].IsSecret() {
		t.Fatal("stdout/stderr must be secret when an input is")
	}
	if outs["stdout"].SecretValue().Element.StringValue() != "s3cret" {
		t.Fatal("wrong stdout")
	}
	if !outs["environment"].ContainsSecrets() {
		t.Fatal("secret input lost its marker in the state")
	}
	plain := h.MustCheck("c", testutil.P(map[string]any{"create": "echo hi"}))
	_, outs, _ = h.Create("c", plain, false)
	if outs["stdout"].IsSecret() {
		t.Fatal("plain inputs must give plain outputs")
	}
}

func TestFailureCarriesOutput(t *testing.T) {
	h := harness(t)
	in := h.MustCheck("c", testutil.P(map[string]any{"create": "echo boom-out; echo boom-err >&2; exit 3"}))
	_, _, err := h.Create("c", in, false)
	if err == nil || !strings.Contains(err.Error(), "exit status 3") || !strings.Contains(err.Error(), "boom-out") || !strings.Contains(err.Error(), "boom-err") {
		t.Fatalf("err = %v", err)
	}
}

func TestInterpreterAndStdin(t *testing.T) {
	h := harness(t)
	in := h.MustCheck("c", testutil.P(map[string]any{"create": "import sys; print(sys.stdin.read().upper())", "interpreter": []any{"python3", "-c"}, "stdin": "abc"}))
	_, outs, err := h.Create("c", in, false)
	if err != nil || outs["stdout"].StringValue() != "ABC" {
		t.Fatalf("%v %v", err, outs["stdout"])
	}
	_, f := h.Check("c", testutil.P(map[string]any{"create": "x", "logging": "loud", "assetPaths": []any{"*"}}))
	if len(f) != 2 {
		t.Fatalf("failures %v", f)
	}
}
