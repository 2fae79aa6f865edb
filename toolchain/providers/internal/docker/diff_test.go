package docker

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/switchyard/toolchain/providers/internal/core"
	"github.com/switchyard/toolchain/providers/internal/testutil"
)

func h(t *testing.T, typ string) testutil.Harness {
	return testutil.Harness{T: t, P: core.New("docker", "5.2.0", Resources(), "host"), Type: typ}
}

func TestContainerDiffReplaceVsUpdate(t *testing.T) {
	hc := h(t, "docker:index/container:Container")
	base := map[string]any{
		"name": "web", "image": "sha256:abc",
		"envs":             []any{"A=1", "B=2"},
		"labels":           []any{map[string]any{"label": "a", "value": "1"}, map[string]any{"label": "b", "value": "2"}},
		"ports":            []any{map[string]any{"internal": 80, "external": 8080}},
		"networksAdvanced": []any{map[string]any{"name": "net", "aliases": []any{"x", "y"}}},
		"healthcheck":      map[string]any{"tests": []any{"CMD", "true"}, "interval": "1s"},
		"memory":           64,
	}
	olds := hc.MustCheck("c", testutil.P(base))
	// what Create adds from docker inspect
	olds["hostname"] = resource.NewStringProperty("abc123")
	olds["command"] = resource.NewPropertyValue([]any{"httpd"})
	olds["init"] = resource.NewBoolProperty(false)
	cases := []struct {
		name    string
		change  map[string]any
		changed string
		replace string
	}{
		{"nothing", nil, "", ""},
		{"image", map[string]any{"image": "sha256:def"}, "image", "image"},
		{"name", map[string]any{"name": "web2"}, "name", "name"},
		{"env value", map[string]any{"envs": []any{"A=1", "B=3"}}, "envs", "envs"},
		{"env order only", map[string]any{"envs": []any{"B=2", "A=1"}}, "", ""},
		{"labels order only", map[string]any{"labels": []any{map[string]any{"label": "b", "value": "2"}, map[string]any{"label": "a", "value": "1"}}}, "", ""},
		{"label value", map[string]any{"labels": []any{map[string]any{"label": "a", "value": "9"}}}, "labels", "labels"},
		{"alias order only", map[string]any{"networksAdvanced": []any{map[string]any{"name": "net", "aliases": []any{"y", "x"}}}}, "", ""},
		{"alias added", map[string]any{"networksAdvanced": []any{map[string]any{"name": "net", "aliases": []any{"x", "y", "z"}}}}, "networksAdvanced", "networksAdvanced"},
		{"port external", map[string]any{"ports": []any{map[string]any{"internal": 80, "external": 8081}}}, "ports", "ports"},
		{"port explicit defaults", map[string]any{"ports": []any{map[string]any{"internal": 80, "external": 8080, "ip": "0.0.0.0", "protocol": "tcp"}}}, "", ""},
		{"restart updates", map[string]any{"restart": "always"}, "restart", ""},
		{"memory updates", map[string]any{"memory": 128}, "memory", ""},
		{"cpuShares updates", map[string]any{"cpuShares": 512}, "cpuShares", ""},
		{"maxRetryCount updates", map[string]any{"maxRetryCount": 3}, "maxRetryCount", ""},
		{"cpus replaces", map[string]any{"cpus": "0.5"}, "cpus", "cpus"},
		{"healthcheck is in place", map[string]any{"healthcheck": map[string]any{"tests": []any{"CMD", "false"}, "interval": "1s"}}, "healthcheck", ""},
		{"mustRun in place", map[string]any{"mustRun": false}, "mustRun", ""},
		{"wait in place", map[string]any{"wait": true}, "wait", ""},
		{"rm in place", map[string]any{"rm": true}, "rm", ""},
		{"destroyGraceSeconds in place", map[string]any{"destroyGraceSeconds": 5}, "destroyGraceSeconds", ""},
		{"command set", map[string]any{"command": []any{"sleep", "1"}}, "command", "command"},
		{"command same as computed", map[string]any{"command": []any{"httpd"}}, "", ""},
		{"user empty is suppressed", map[string]any{"user": ""}, "", ""},
		{"user set", map[string]any{"user": "nobody"}, "user", "user"},
		{"volumes", map[string]any{"volumes": []any{map[string]any{"volumeName": "v", "containerPath": "/d"}}}, "volumes", "volumes"},
		{"uploads", map[string]any{"uploads": []any{map[string]any{"file": "/a", "content": "x"}}}, "uploads", "uploads"},
		{"stopSignal", map[string]any{"stopSignal": "SIGINT"}, "stopSignal", "stopSignal"},
		{"init in place", map[string]any{"init": true}, "init", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			raw := testutil.P(base)
			for k, v := range tc.change {
				raw[resource.PropertyKey(k)] = resource.NewPropertyValue(v)
			}
			d := hc.Diff("c", "id", olds, hc.MustCheck("c", raw))
			if got := strings.Join(d.Diffs, ","); got != tc.changed {
				t.Errorf("changed = %q, want %q", got, tc.changed)
			}
			if got := strings.Join(d.Replaces, ","); got != tc.replace {
				t.Errorf("replaces = %q, want %q", got, tc.replace)
			}
		})
	}
	// unknown image during preview replaces
	news := hc.MustCheck("c", testutil.P(base))
	news["image"] = resource.MakeComputed(resource.NewStringProperty(""))
	if d := hc.Diff("c", "id", olds, news); strings.Join(d.Replaces, ",") != "image" {
		t.Fatalf("unknown image: %v", d.Replaces)
	}
	// a secret env with the same value is no change
	news = hc.MustCheck("c", testutil.P(base))
	news["envs"] = resource.MakeSecret(news["envs"])
	if d := hc.Diff("c", "id", olds, news); len(d.Diffs) != 0 {
		t.Fatalf("secret wrapper alone must not diff: %v", d.Diffs)
	}
}

func TestNetworkVolumeImageDiff(t *testing.T) {
	hn := h(t, "docker:index/network:Network")
	olds := hn.MustCheck("n", testutil.P(map[string]any{"name": "n1"}))
	olds["driver"] = resource.NewStringProperty("bridge")
	olds["internal"] = resource.NewBoolProperty(false)
	olds["scope"] = resource.NewStringProperty("local")
	for _, tc := range []struct {
		change  map[string]any
		replace string
	}{
		{map[string]any{}, ""},
		{map[string]any{"driver": "bridge"}, ""},
		{map[string]any{"internal": true}, "internal"},
		{map[string]any{"attachable": true}, "attachable"},
		{map[string]any{"name": "n2"}, "name"},
		{map[string]any{"labels": []any{map[string]any{"label": "a", "value": "b"}}}, "labels"},
		{map[string]any{"options": map[string]any{"com.docker.network.bridge.name": "br0"}}, "options"},
	} {
		raw := testutil.P(map[string]any{"name": "n1"})
		for k, v := range tc.change {
			raw[resource.PropertyKey(k)] = resource.NewPropertyValue(v)
		}
		d := hn.Diff("n", "id", olds, hn.MustCheck("n", raw))
		if strings.Join(d.Replaces, ",") != tc.replace {
			t.Errorf("%v: replaces %v want %q", tc.change, d.Replaces, tc.replace)
		}
	}
	_, f := hn.Check("n", testutil.P(map[string]any{"name": "n", "ipv6": true}))
	if len(f) != 1 || f[0].Property != "ipv6" {
		t.Fatalf("unsupported input must fail Check: %v", f)
	}

	hi := h(t, "docker:index/remoteImage:RemoteImage")
	iolds := hi.MustCheck("i", testutil.P(map[string]any{"name": "x:1"}))
	iolds["imageId"] = resource.NewStringProperty("sha256:1")
	for _, tc := range []struct {
		change           map[string]any
		changed, replace string
	}{
		{map[string]any{"keepLocally": true}, "keepLocally", ""},
		{map[string]any{"forceRemove": true}, "forceRemove", ""},
		{map[string]any{"name": "x:2"}, "name", "name"},
		{map[string]any{"pullTriggers": []any{"a"}}, "pullTriggers", "pullTriggers"},
	} {
		raw := testutil.P(map[string]any{"name": "x:1"})
		for k, v := range tc.change {
			raw[resource.PropertyKey(k)] = resource.NewPropertyValue(v)
		}
		d := hi.Diff("i", "id", iolds, hi.MustCheck("i", raw))
		if strings.Join(d.Diffs, ",") != tc.changed || strings.Join(d.Replaces, ",") != tc.replace {
			t.Errorf("%v: %v %v", tc.change, d.Diffs, d.Replaces)
		}
	}
}

func TestContainerCheckErrors(t *testing.T) {
	hc := h(t, "docker:index/container:Container")
	_, f := hc.Check("c", testutil.P(map[string]any{"image": "x", "restart": "sometimes", "privileged": true,
		"healthcheck": map[string]any{"tests": []any{"CMD", "true"}, "interval": "soon"},
		"uploads":     []any{map[string]any{"file": "/a"}}}))
	var props []string
	for _, x := range f {
		props = append(props, x.Property)
	}
	got := strings.Join(props, ",")
	for _, want := range []string{"name", "privileged", "restart", "healthcheck.interval", "uploads[0]"} {
		if !strings.Contains(got, want) {
			t.Errorf("missing failure for %s in %s", want, got)
		}
	}
}
