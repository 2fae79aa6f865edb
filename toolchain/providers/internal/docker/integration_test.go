package docker

import (
	"archive/tar"
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/switchyard/toolchain/providers/internal/testutil"
)

const testImage = "switchyard-providers-test/busybox:1"

func docker(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("docker", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("docker %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

// ensureImage builds a tiny image from the host's static busybox with
// `docker import` (no registry involved).
func ensureImage(t *testing.T) {
	if exec.Command("docker", "info").Run() != nil {
		t.Skip("docker daemon not reachable")
	}
	if exec.Command("docker", "image", "inspect", testImage).Run() == nil {
		return
	}
	bb, err := os.ReadFile("/usr/bin/busybox")
	if err != nil {
		bb, err = os.ReadFile("/bin/busybox")
	}
	if err != nil {
		t.Skip("needs a static busybox (apt-get install busybox-static)")
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	_ = tw.WriteHeader(&tar.Header{Name: "bin/", Typeflag: tar.TypeDir, Mode: 0o755})
	_ = tw.WriteHeader(&tar.Header{Name: "tmp/", Typeflag: tar.TypeDir, Mode: 0o1777})
	_ = tw.WriteHeader(&tar.Header{Name: "bin/busybox", Mode: 0o755, Size: int64(len(bb))})
	_, _ = tw.Write(bb)
	for _, l := range []string{"sh", "sleep", "httpd", "wget", "cat", "echo", "true", "false", "ls", "mkdir"} {
		_ = tw.WriteHeader(&tar.Header{Name: "bin/" + l, Typeflag: tar.TypeSymlink, Linkname: "busybox"})
	}
	_ = tw.Close()
	cmd := exec.Command("docker", "import", "--change", `CMD ["/bin/sh"]`, "--change", "ENV PATH=/bin", "-", testImage)
	cmd.Stdin = &buf
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("docker import: %v %s", err, out)
	}
}

func cleanupContainer(t *testing.T, name string) {
	_ = exec.Command("docker", "rm", "-f", name).Run()
	t.Cleanup(func() { _ = exec.Command("docker", "rm", "-f", name).Run() })
}

func TestIntegrationNetworkVolumeImage(t *testing.T) {
	ensureImage(t)
	hn := h(t, "docker:index/network:Network")
	in := hn.MustCheck("n", testutil.P(map[string]any{"name": "sy-prov-test-net", "internal": true,
		"labels": []any{map[string]any{"label": "sy", "value": "1"}}}))
	_ = exec.Command("docker", "network", "rm", "sy-prov-test-net").Run()
	id, outs, err := hn.Create("n", in, false)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = exec.Command("docker", "network", "rm", "sy-prov-test-net").Run() })
	if outs["scope"].StringValue() != "local" || outs["driver"].StringValue() != "bridge" || !outs["internal"].BoolValue() {
		t.Fatalf("network outputs: %v", outs)
	}
	if got := docker(t, "network", "inspect", "-f", "{{.Internal}} {{index .Labels \"sy\"}}", id); got != "true 1" {
		t.Fatalf("inspect: %s", got)
	}
	if d := hn.Diff("n", id, outs, in); len(d.Diffs) != 0 {
		t.Fatalf("no-op diff after create: %v", d.Diffs)
	}
	if err := hn.Delete("n", id, outs); err != nil {
		t.Fatal(err)
	}
	if rid, _, err := hn.Read("n", id, outs); err != nil || rid != "" {
		t.Fatalf("read of a deleted network: %q %v", rid, err)
	}

	hv := h(t, "docker:index/volume:Volume")
	vin := hv.MustCheck("v", testutil.P(map[string]any{"name": "sy-prov-test-vol"}))
	vid, vouts, err := hv.Create("v", vin, false)
	if err != nil || vid != "sy-prov-test-vol" || vouts["mountpoint"].StringValue() == "" {
		t.Fatalf("volume: %v %v %v", vid, vouts, err)
	}
	if err := hv.Delete("v", vid, vouts); err != nil {
		t.Fatal(err)
	}

	hi := h(t, "docker:index/remoteImage:RemoteImage")
	iin := hi.MustCheck("i", testutil.P(map[string]any{"name": testImage, "keepLocally": true}))
	iid, iouts, err := hi.Create("i", iin, false)
	if err != nil {
		t.Fatal(err)
	}
	want := docker(t, "image", "inspect", "-f", "{{.Id}}", testImage)
	if iouts["imageId"].StringValue() != want || iid != want+testImage {
		t.Fatalf("imageId %v id %v want %v", iouts["imageId"], iid, want)
	}
	if err := hi.Delete("i", iid, iouts); err != nil {
		t.Fatal(err)
	}
	docker(t, "image", "inspect", testImage) // keepLocally kept it
	_, _, err = hi.Create("i", hi.MustCheck("i", testutil.P(map[string]any{"name": "switchyard-nonexistent/none:0"})), false)
	if err == nil || !strings.Contains(err.Error(), "pulling it failed") {
		t.Fatalf("offline pull must fail clearly, got %v", err)
	}
}

func TestIntegrationContainerLifecycle(t *testing.T) {
	ensureImage(t)
	imageID := docker(t, "image", "inspect", "-f", "{{.Id}}", testImage)
	_ = exec.Command("docker", "network", "rm", "sy-prov-test-cnet").Run()
	docker(t, "network", "create", "sy-prov-test-cnet")
	t.Cleanup(func() { _ = exec.Command("docker", "network", "rm", "sy-prov-test-cnet").Run() })
	name := "sy-prov-test-web"
	cleanupContainer(t, name)
	hc := h(t, "docker:index/container:Container")
	raw := testutil.P(map[string]any{
		"name":             name,
		"image":            imageID,
		"command":          []any{"sh", "-c", "mkdir -p /www && cat /etc/greeting > /www/index.html && exec httpd -f -p 8080 -h /www"},
		"envs":             []any{"A=1"},
		"labels":           []any{map[string]any{"label": "switchyard.colour", "value": "blue"}},
		"networksAdvanced": []any{map[string]any{"name": "sy-prov-test-cnet", "aliases": []any{"web"}}},
		"uploads":          []any{map[string]any{"file": "/etc/greeting", "content": "hello"}},
		"healthcheck": map[string]any{"tests": []any{"CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/"},
			"interval": "1s", "timeout": "1s", "retries": 2},
		"wait": true, "waitTimeout": 30, "memory": 64,
	})
	in := hc.MustCheck("c", raw)
	// preview touches nothing
	_, pouts, err := hc.Create("c", in, true)
	if err != nil || !pouts["networkDatas"].IsComputed() {
		t.Fatalf("preview: %v", err)
	}
	if exec.Command("docker", "inspect", name).Run() == nil {
		t.Fatal("preview created the container")
	}
	start := time.Now()
	id, outs, err := hc.Create("c", in, false)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("create with wait took %s", time.Since(start))
	if got := docker(t, "inspect", "-f", "{{.State.Health.Status}} {{index .Config.Labels \"switchyard.colour\"}} {{.HostConfig.Memory}}", id); got != "healthy blue 67108864" {
		t.Fatalf("inspect: %s", got)
	}
	if got := docker(t, "exec", name, "wget", "-q", "-O-", "http://127.0.0.1:8080/"); got != "hello" {
		t.Fatalf("upload content served: %q", got)
	}
	nds := outs["networkDatas"].ArrayValue()
	if len(nds) != 1 || nds[0].ObjectValue()["networkName"].StringValue() != "sy-prov-test-cnet" || nds[0].ObjectValue()["ipAddress"].StringValue() == "" {
		t.Fatalf("networkDatas: %v", nds)
	}
	if d := hc.Diff("c", id, outs, in); len(d.Diffs) != 0 {
		t.Fatalf("no-op diff after create: %v", d.Diffs)
	}
	// refresh of a healthy container keeps it and gives no diff
	rid, routs, err := hc.Read("c", id, outs)
	if err != nil || rid != id {
		t.Fatalf("read: %v %v", rid, err)
	}
	if d := hc.Diff("c", id, routs, in); len(d.Diffs) != 0 {
		t.Fatalf("diff after refresh: %v", d.Diffs)
	}
	// in-place update of memory and restart
	raw2 := raw.Copy()
	raw2["memory"] = resource.NewNumberProperty(128)
	raw2["restart"] = resource.NewStringProperty("unless-stopped")
	in2 := hc.MustCheck("c", raw2)
	if d := hc.Diff("c", id, routs, in2); len(d.Replaces) != 0 || len(d.Diffs) != 2 {
		t.Fatalf("update diff: %v %v", d.Diffs, d.Replaces)
	}
	uouts, err := hc.Update("c", id, routs, in2, false)
	if err != nil {
		t.Fatal(err)
	}
	if got := docker(t, "inspect", "-f", "{{.HostConfig.Memory}} {{.HostConfig.RestartPolicy.Name}} {{.Id}}", name); got != "134217728 unless-stopped "+id {
		t.Fatalf("after update: %s", got)
	}
	// stopped by hand while mustRun: refresh removes it and drops it from the state
	docker(t, "stop", "-t", "1", name)
	rid, _, err = hc.Read("c", id, uouts)
	if err != nil || rid != "" {
		t.Fatalf("read of stopped container: %q %v", rid, err)
	}
	if exec.Command("docker", "inspect", name).Run() == nil {
		t.Fatal("stopped container should have been removed by refresh")
	}
	// create again, then remove by hand: refresh drops it
	id, outs, err = hc.Create("c", in, false)
	if err != nil {
		t.Fatal(err)
	}
	docker(t, "rm", "-f", name)
	if rid, _, err = hc.Read("c", id, outs); err != nil || rid != "" {
		t.Fatalf("read of removed container: %q %v", rid, err)
	}
	// mustRun false: a stopped container stays, exitCode reported
	raw3 := raw.Copy()
	raw3["mustRun"] = resource.NewBoolProperty(false)
	raw3["wait"] = resource.NewBoolProperty(false)
	id, outs, err = hc.Create("c", hc.MustCheck("c", raw3), false)
	if err != nil {
		t.Fatal(err)
	}
	docker(t, "stop", "-t", "1", name)
	rid, routs, err = hc.Read("c", id, outs)
	if err != nil || rid != id || routs["exitCode"].IsNull() {
		t.Fatalf("mustRun false read: %q %v %v", rid, err, routs["exitCode"])
	}
	if err := hc.Delete("c", id, routs); err != nil {
		t.Fatal(err)
	}
	if exec.Command("docker", "inspect", name).Run() == nil {
		t.Fatal("delete left the container")
	}
}

func TestIntegrationContainerFailures(t *testing.T) {
	ensureImage(t)
	hc := h(t, "docker:index/container:Container")
	name := "sy-prov-test-fail"
	cleanupContainer(t, name)
	// unhealthy with wait: partial creation error, container kept in the state
	in := hc.MustCheck("c", testutil.P(map[string]any{"name": name, "image": testImage,
		"command":     []any{"sleep", "600"},
		"healthcheck": map[string]any{"tests": []any{"CMD", "false"}, "interval": "1s", "retries": 1},
		"wait":        true, "waitTimeout": 4}))
	_, _, err := hc.Create("c", in, false)
	if err == nil || !strings.Contains(err.Error(), "healthy") {
		t.Fatalf("want unhealthy error, got %v", err)
	}
	if exec.Command("docker", "inspect", name).Run() != nil {
		t.Fatal("an unhealthy container is kept (the engine records it as partially created)")
	}
	docker(t, "rm", "-f", name)
	// exits at once: error with logs and container removed
	in = hc.MustCheck("c", testutil.P(map[string]any{"name": name, "image": testImage,
		"command": []any{"sh", "-c", "echo bad config; exit 2"}}))
	_, _, err = hc.Create("c", in, false)
	if err == nil || !strings.Contains(err.Error(), "exited immediately") || !strings.Contains(err.Error(), "bad config") {
		t.Fatalf("want exited-immediately error with logs, got %v", err)
	}
	if exec.Command("docker", "inspect", name).Run() == nil {
		t.Fatal("container that exited at once should be removed")
	}
	// missing image, offline
	in = hc.MustCheck("c", testutil.P(map[string]any{"name": name, "image": "switchyard-nonexistent/none:0"}))
	if _, _, err = hc.Create("c", in, false); err == nil || !strings.Contains(err.Error(), "pull failed") {
		t.Fatalf("missing image: %v", err)
	}
}
