package docker

import (
	"archive/tar"
	"bytes"
	"encoding/base64"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/switchyard/toolchain/providers/internal/core"
)

// ContainerFields follow kreuzwerker/terraform-provider-docker's
// docker_container schema: almost everything forces a new container; only
// restart, maxRetryCount, cpuShares, memory and memorySwap are updated on the
// running container; the provider-side flags (mustRun, start, wait, rm, ...)
// and healthcheck/init change the state only.
var ContainerFields = []core.Field{
	{Name: "name", ForceNew: true},
	{Name: "image", ForceNew: true},
	{Name: "hostname", ForceNew: true, Computed: true},
	{Name: "command", ForceNew: true, Computed: true},
	{Name: "entrypoints", ForceNew: true, Computed: true},
	{Name: "envs", ForceNew: true, Computed: true, Set: true},
	{Name: "labels", ForceNew: true, Computed: true, Set: true},
	{Name: "networksAdvanced", ForceNew: true, Set: true},
	{Name: "ports", ForceNew: true, Set: true},
	{Name: "volumes", ForceNew: true, Set: true},
	{Name: "uploads", ForceNew: true, Set: true},
	{Name: "cpus", ForceNew: true},
	{Name: "stopSignal", ForceNew: true, Computed: true},
	{Name: "stopTimeout", ForceNew: true, Computed: true},
	{Name: "user", ForceNew: true, Computed: true},
	{Name: "workingDir", ForceNew: true, Computed: true},
	{Name: "healthcheck", Computed: true},
	{Name: "restart", Default: "no"},
	{Name: "maxRetryCount", Default: 0.0},
	{Name: "memory", Default: 0.0},
	{Name: "memorySwap", Computed: true},
	{Name: "cpuShares", Default: 0.0},
	{Name: "init", Computed: true},
	{Name: "mustRun", Default: true},
	{Name: "start", Default: true},
	{Name: "wait", Default: false},
	{Name: "waitTimeout", Default: 60.0},
	{Name: "rm", Default: false},
	{Name: "logs", Default: false},
	{Name: "destroyGraceSeconds"},
	{Name: "removeVolumes", Default: true},
}

// updatable are applied with POST /containers/{id}/update.
var updatable = []string{"restart", "maxRetryCount", "cpuShares", "memory", "memorySwap"}

// Container is docker:index/container:Container.
type Container struct{}

// ContainerArgs are the decoded inputs.
type ContainerArgs struct {
	Name        string   `json:"name"`
	Image       string   `json:"image"`
	Hostname    string   `json:"hostname"`
	Command     []string `json:"command"`
	Entrypoints []string `json:"entrypoints"`
	Envs        []string `json:"envs"`
	Labels      []struct {
		Label string `json:"label"`
		Value string `json:"value"`
	} `json:"labels"`
	NetworksAdvanced []struct {
		Name        string   `json:"name"`
		Aliases     []string `json:"aliases"`
		Ipv4Address string   `json:"ipv4Address"`
	} `json:"networksAdvanced"`
	Ports []struct {
		Internal int    `json:"internal"`
		External int    `json:"external"`
		IP       string `json:"ip"`
		Protocol string `json:"protocol"`
	} `json:"ports"`
	Healthcheck *struct {
		Tests       []string `json:"tests"`
		Interval    string   `json:"interval"`
		Timeout     string   `json:"timeout"`
		StartPeriod string   `json:"startPeriod"`
		Retries     int      `json:"retries"`
	} `json:"healthcheck"`
	Restart       string   `json:"restart"`
	MaxRetryCount int      `json:"maxRetryCount"`
	Memory        int64    `json:"memory"`
	MemorySwap    *int64   `json:"memorySwap"`
	Cpus          string   `json:"cpus"`
	CPUShares     int64    `json:"cpuShares"`
	Volumes       []volArg `json:"volumes"`
	Uploads       []struct {
		File          string `json:"file"`
		Content       string `json:"content"`
		ContentBase64 string `json:"contentBase64"`
		Executable    bool   `json:"executable"`
	} `json:"uploads"`
	MustRun             bool   `json:"mustRun"`
	Start               bool   `json:"start"`
	Wait                bool   `json:"wait"`
	WaitTimeout         int    `json:"waitTimeout"`
	Rm                  bool   `json:"rm"`
	DestroyGraceSeconds int    `json:"destroyGraceSeconds"`
	StopSignal          string `json:"stopSignal"`
	StopTimeout         *int   `json:"stopTimeout"`
	User                string `json:"user"`
	WorkingDir          string `json:"workingDir"`
	Init                *bool  `json:"init"`
	RemoveVolumes       bool   `json:"removeVolumes"`
}

type volArg struct {
	VolumeName    string `json:"volumeName"`
	HostPath      string `json:"hostPath"`
	ContainerPath string `json:"containerPath"`
	ReadOnly      bool   `json:"readOnly"`
}

var restartValues = map[string]bool{"no": true, "on-failure": true, "always": true, "unless-stopped": true}

func setDefault(m map[string]any, k string, v any) {
	if _, ok := m[k]; !ok {
		m[k] = v
	}
}

// withNestedDefaults fills the defaults of list elements (ports ip/protocol,
// uploads executable, healthcheck durations) keeping secret markers of the
// elements it does not touch.
func withNestedDefaults(v resource.PropertyValue, defaults map[string]any) resource.PropertyValue {
	if v.IsSecret() {
		return resource.MakeSecret(withNestedDefaults(v.SecretValue().Element, defaults))
	}
	if v.IsArray() {
		arr := v.ArrayValue()
		out := make([]resource.PropertyValue, len(arr))
		for i, e := range arr {
			out[i] = withNestedDefaults(e, defaults)
		}
		return resource.NewArrayProperty(out)
	}
	if v.IsObject() {
		obj := v.ObjectValue().Copy()
		for k, d := range defaults {
			if pv, ok := obj[resource.PropertyKey(k)]; !ok || pv.IsNull() {
				obj[resource.PropertyKey(k)] = resource.NewPropertyValue(d)
			}
		}
		return resource.NewObjectProperty(obj)
	}
	return v
}

// Check validates and fills defaults the way the upstream schema does.
func (Container) Check(_ core.Ctx, _, news resource.PropertyMap) (resource.PropertyMap, []core.CheckFailure, error) {
	out := news.Copy()
	fs := append(required(news, "name", "image"), unsupported(news, ContainerFields, "Container")...)
	for _, f := range ContainerFields {
		if f.Default != nil && !core.Has(out, f.Name) {
			out[resource.PropertyKey(f.Name)] = resource.NewPropertyValue(f.Default)
		}
	}
	if v, ok := out["ports"]; ok && !v.IsNull() {
		out["ports"] = withNestedDefaults(v, map[string]any{"ip": "0.0.0.0", "protocol": "tcp"})
	}
	if v, ok := out["uploads"]; ok && !v.IsNull() {
		out["uploads"] = withNestedDefaults(v, map[string]any{"executable": false})
	}
	if v, ok := out["healthcheck"]; ok && !v.IsNull() {
		out["healthcheck"] = withNestedDefaults(v, map[string]any{"interval": "0s", "timeout": "0s", "startPeriod": "0s", "retries": 0.0})
	}
	if r := core.Str(news, "restart", "no"); !core.IsUnknown(news, "restart") && !restartValues[r] {
		fs = append(fs, core.CheckFailure{Property: "restart", Reason: fmt.Sprintf(
			"restart must be one of no, on-failure, always, unless-stopped; got %q", r)})
	}
	for k, min := range map[string]float64{"memory": 0, "memorySwap": -1, "cpuShares": 0, "maxRetryCount": 0, "waitTimeout": 0} {
		if core.Has(news, k) && !core.IsUnknown(news, k) && core.Num(news, k, 0) < min {
			fs = append(fs, core.CheckFailure{Property: k, Reason: fmt.Sprintf("%s must be >= %v, got %v", k, min, core.Num(news, k, 0))})
		}
	}
	if hc, ok := plainOf(news, "healthcheck").(map[string]any); ok {
		if _, ok := hc["tests"]; !ok {
			fs = append(fs, core.CheckFailure{Property: "healthcheck.tests", Reason: "healthcheck.tests is required"})
		}
		for _, k := range []string{"interval", "timeout", "startPeriod"} {
			if s, ok := hc[k].(string); ok {
				if d, err := time.ParseDuration(s); err != nil || d < 0 {
					fs = append(fs, core.CheckFailure{Property: "healthcheck." + k, Reason: fmt.Sprintf(
						"healthcheck.%s must be a duration >= 0 like 5s or 1m30s, got %q", k, s)})
				}
			}
		}
	}
	if ups, ok := plainOf(news, "uploads").([]any); ok {
		for i, u := range ups {
			m, _ := u.(map[string]any)
			if core.ContainsUnknowns(m) {
				continue
			}
			c, b := m["content"], m["contentBase64"]
			switch {
			case c == nil && b == nil:
				fs = append(fs, core.CheckFailure{Property: fmt.Sprintf("uploads[%d]", i), Reason: "one of content or contentBase64 must be set"})
			case c != nil && b != nil:
				fs = append(fs, core.CheckFailure{Property: fmt.Sprintf("uploads[%d]", i), Reason: "only one of content or contentBase64 can be set"})
			case b != nil:
				if _, err := base64.StdEncoding.DecodeString(fmt.Sprint(b)); err != nil {
					fs = append(fs, core.CheckFailure{Property: fmt.Sprintf("uploads[%d].contentBase64", i), Reason: "contentBase64 is not valid base64: " + err.Error()})
				}
			}
		}
	}
	if s := core.Str(news, "cpus", ""); s != "" && !core.IsUnknown(news, "cpus") {
		if f, err := strconv.ParseFloat(s, 64); err != nil || f <= 0 {
			fs = append(fs, core.CheckFailure{Property: "cpus", Reason: fmt.Sprintf("cpus must be a positive number like \"0.5\", got %q", s)})
		}
	}
	return out, fs, nil
}

// Diff per the upstream schema. The user/workingDir "" = keep rule of the
// upstream DiffSuppressFunc is covered by Computed.
func (Container) Diff(_ core.Ctx, _ string, olds, news, _ resource.PropertyMap) (core.DiffResult, error) {
	n := news.Copy()
	for _, k := range []resource.PropertyKey{"user", "workingDir"} {
		if core.Str(n, string(k), "") == "" && !core.IsUnknown(n, string(k)) {
			delete(n, k)
		}
	}
	return core.DiffFields(ContainerFields, olds, n), nil
}

// inspect types
type containerJSON struct {
	ID    string `json:"Id"`
	Name  string `json:"Name"`
	Image string `json:"Image"`
	State struct {
		Status     string `json:"Status"`
		Running    bool   `json:"Running"`
		ExitCode   int    `json:"ExitCode"`
		StartedAt  string `json:"StartedAt"`
		FinishedAt string `json:"FinishedAt"`
		Health     *struct {
			Status string `json:"Status"`
			Log    []struct {
				ExitCode int    `json:"ExitCode"`
				Output   string `json:"Output"`
			} `json:"Log"`
		} `json:"Health"`
	} `json:"State"`
	Config struct {
		Hostname    string   `json:"Hostname"`
		Cmd         []string `json:"Cmd"`
		Entrypoint  []string `json:"Entrypoint"`
		User        string   `json:"User"`
		WorkingDir  string   `json:"WorkingDir"`
		StopSignal  string   `json:"StopSignal"`
		StopTimeout *int     `json:"StopTimeout"`
		Healthcheck *struct {
			Test []string `json:"Test"`
		} `json:"Healthcheck"`
	} `json:"Config"`
	HostConfig struct {
		RestartPolicy struct {
			Name              string `json:"Name"`
			MaximumRetryCount int    `json:"MaximumRetryCount"`
		} `json:"RestartPolicy"`
		Memory     int64 `json:"Memory"`
		MemorySwap int64 `json:"MemorySwap"`
		CPUShares  int64 `json:"CpuShares"`
		Init       *bool `json:"Init"`
	} `json:"HostConfig"`
	NetworkSettings struct {
		Bridge   string `json:"Bridge"`
		Networks map[string]struct {
			IPAddress   string `json:"IPAddress"`
			IPPrefixLen int    `json:"IPPrefixLen"`
			Gateway     string `json:"Gateway"`
			MacAddress  string `json:"MacAddress"`
		} `json:"Networks"`
	} `json:"NetworkSettings"`
}

func inspectContainer(ctx core.Ctx, c *Client, id string) (*containerJSON, error) {
	var cj containerJSON
	if err := c.Do(ctx, "GET", "/containers/"+id+"/json", nil, nil, &cj); err != nil {
		if IsNotFound(err) {
			return nil, nil
		}
		return nil, err
	}
	return &cj, nil
}

func dur(s string) int64 {
	d, _ := time.ParseDuration(s)
	return int64(d)
}

// createBody builds the Engine API create request.
func createBody(a ContainerArgs) (map[string]any, error) {
	cfg := map[string]any{"Image": a.Image}
	host := map[string]any{
		"RestartPolicy": map[string]any{"Name": a.Restart, "MaximumRetryCount": a.MaxRetryCount},
		"AutoRemove":    a.Rm,
	}
	if a.Hostname != "" {
		cfg["Hostname"] = a.Hostname
	}
	if len(a.Command) > 0 {
		for _, c := range a.Command {
			if c == "" {
				return nil, fmt.Errorf("values for command may not be empty")
			}
		}
		cfg["Cmd"] = a.Command
	}
	if len(a.Entrypoints) > 0 {
		cfg["Entrypoint"] = a.Entrypoints
	}
	if len(a.Envs) > 0 {
		cfg["Env"] = a.Envs
	}
	labels := map[string]string{}
	for _, l := range a.Labels {
		labels[l.Label] = l.Value
	}
	cfg["Labels"] = labels
	if a.User != "" {
		cfg["User"] = a.User
	}
	if a.WorkingDir != "" {
		cfg["WorkingDir"] = a.WorkingDir
	}
	if a.StopSignal != "" {
		cfg["StopSignal"] = a.StopSignal
	}
	if a.StopTimeout != nil {
		cfg["StopTimeout"] = *a.StopTimeout
	}
	if hc := a.Healthcheck; hc != nil {
		cfg["Healthcheck"] = map[string]any{
			"Test": hc.Tests, "Interval": dur(hc.Interval), "Timeout": dur(hc.Timeout),
			"StartPeriod": dur(hc.StartPeriod), "Retries": hc.Retries,
		}
	}
	if len(a.Ports) > 0 {
		exposed := map[string]any{}
		bindings := map[string][]map[string]string{}
		for _, p := range a.Ports {
			proto := p.Protocol
			if proto == "" {
				proto = "tcp"
			}
			key := fmt.Sprintf("%d/%s", p.Internal, proto)
			exposed[key] = map[string]any{}
			b := map[string]string{"HostIp": p.IP}
			if p.External > 0 {
				b["HostPort"] = strconv.Itoa(p.External)
			}
			bindings[key] = append(bindings[key], b)
		}
		cfg["ExposedPorts"] = exposed
		host["PortBindings"] = bindings
	}
	var binds []string
	anon := map[string]any{}
	for _, v := range a.Volumes {
		src := v.VolumeName
		if v.HostPath != "" {
			src = v.HostPath
		}
		if src == "" {
			anon[v.ContainerPath] = map[string]any{}
			continue
		}
		b := src + ":" + v.ContainerPath
		if v.ReadOnly {
			b += ":ro"
		}
		binds = append(binds, b)
	}
	if len(binds) > 0 {
		host["Binds"] = binds
	}
	if len(anon) > 0 {
		cfg["Volumes"] = anon
	}
	if a.Memory > 0 {
		host["Memory"] = a.Memory * 1024 * 1024
	}
	if a.MemorySwap != nil {
		s := *a.MemorySwap
		if s > 0 {
			s *= 1024 * 1024
		}
		host["MemorySwap"] = s
	}
	if a.CPUShares > 0 {
		host["CpuShares"] = a.CPUShares
	}
	if a.Cpus != "" {
		f, err := strconv.ParseFloat(a.Cpus, 64)
		if err != nil {
			return nil, fmt.Errorf("cpus: %w", err)
		}
		host["NanoCpus"] = int64(f * 1e9)
	}
	if a.Init != nil {
		host["Init"] = *a.Init
	}
	return map[string]any{"config": cfg, "host": host}, nil
}

func uploadTar(a ContainerArgs) (*bytes.Buffer, error) {
	buf := &bytes.Buffer{}
	tw := tar.NewWriter(buf)
	for _, u := range a.Uploads {
		content := []byte(u.Content)
		if u.ContentBase64 != "" {
			b, err := base64.StdEncoding.DecodeString(u.ContentBase64)
			if err != nil {
				return nil, fmt.Errorf("upload %s: contentBase64: %w", u.File, err)
			}
			content = b
		}
		mode := int64(0o644)
		if u.Executable {
			mode = 0o744
		}
		if err := tw.WriteHeader(&tar.Header{Name: strings.TrimPrefix(u.File, "/"), Mode: mode, Size: int64(len(content)), ModTime: time.Now()}); err != nil {
			return nil, err
		}
		if _, err := tw.Write(content); err != nil {
			return nil, err
		}
	}
	return buf, tw.Close()
}

// Create creates, connects, uploads, starts and (with wait) waits for healthy.
func (Container) Create(ctx core.Ctx, news resource.PropertyMap, preview bool) (string, resource.PropertyMap, error) {
	outs := news.Copy()
	if preview {
		for _, k := range []string{"hostname", "command", "entrypoints", "networkDatas", "exitCode", "bridge", "init", "user", "workingDir", "stopSignal", "stopTimeout", "healthcheck", "envs", "labels", "containerLogs", "memorySwap"} {
			if !core.Has(outs, k) {
				outs[resource.PropertyKey(k)] = core.Computed()
			}
		}
		return "", outs, nil
	}
	var a ContainerArgs
	if err := core.Decode(news, &a); err != nil {
		return "", nil, err
	}
	c := clientFor(ctx)
	im, err := inspectImage(ctx, c, a.Image)
	if err != nil {
		return "", nil, err
	}
	if im == nil {
		if out, err := c.CLI(ctx, "pull", a.Image); err != nil {
			return "", nil, fmt.Errorf("unable to create container with image %s: not present locally and pull failed: %s", a.Image, strings.TrimSpace(out))
		}
	}
	body, err := createBody(a)
	if err != nil {
		return "", nil, err
	}
	req := body["config"].(map[string]any)
	req["HostConfig"] = body["host"]
	var created struct {
		ID string `json:"Id"`
	}
	if err := c.Do(ctx, "POST", "/containers/create", url.Values{"name": {a.Name}}, req, &created); err != nil {
		return "", nil, fmt.Errorf("unable to create container %q: %w", a.Name, err)
	}
	id := created.ID
	fail := func(format string, args ...any) (string, resource.PropertyMap, error) {
		return id, nil, &core.InitError{ID: id, Outputs: outs, Reasons: []string{fmt.Sprintf(format, args...)}}
	}
	if len(a.NetworksAdvanced) > 0 {
		if err := c.Do(ctx, "POST", "/networks/bridge/disconnect", nil, map[string]any{"Container": id}, nil); err != nil &&
			!strings.Contains(err.Error(), "is not connected") {
			return fail("unable to disconnect the default network: %v", err)
		}
		for _, n := range a.NetworksAdvanced {
			ep := map[string]any{"Aliases": n.Aliases}
			if n.Ipv4Address != "" {
				ep["IPAMConfig"] = map[string]any{"IPv4Address": n.Ipv4Address}
			}
			if err := c.Do(ctx, "POST", "/networks/"+url.PathEscape(n.Name)+"/connect", nil,
				map[string]any{"Container": id, "EndpointConfig": ep}, nil); err != nil {
				return fail("unable to connect to network '%s': %v", n.Name, err)
			}
		}
	}
	if len(a.Uploads) > 0 {
		t, err := uploadTar(a)
		if err != nil {
			return fail("%v", err)
		}
		if err := c.Do(ctx, "PUT", "/containers/"+id+"/archive", url.Values{"path": {"/"}}, t, nil); err != nil {
			return fail("unable to upload volume content: %v", err)
		}
	}
	if a.Start {
		started := time.Now()
		if err := c.Do(ctx, "POST", "/containers/"+id+"/start", nil, nil, nil); err != nil {
			return fail("unable to start container: %v", err)
		}
		if a.MustRun {
			if err := waitRunning(ctx, c, id, started); err != nil {
				// upstream deletes a container that exited right after its start
				_ = removeContainer(ctx, c, id, a.RemoveVolumes, 0)
				return "", nil, fmt.Errorf("container %s (%s): %w", a.Name, id[:12], err)
			}
		}
		if a.Wait {
			if err := waitHealthy(ctx, c, id, time.Duration(a.WaitTimeout)*time.Second); err != nil {
				return fail("container %s (%s): %v", a.Name, id[:12], err)
			}
		}
	}
	cj, err := inspectContainer(ctx, c, id)
	if err != nil || cj == nil {
		return fail("container %s vanished after creation: %v", id, err)
	}
	applyContainer(outs, cj, news)
	return id, outs, nil
}

func waitRunning(ctx core.Ctx, c *Client, id string, started time.Time) error {
	deadline := time.Now().Add(15 * time.Second)
	for {
		cj, err := inspectContainer(ctx, c, id)
		if err != nil {
			return err
		}
		if cj == nil {
			return fmt.Errorf("container was removed right after its start (rm: true and it exited?)")
		}
		if cj.State.Running {
			return nil
		}
		if cj.State.Status == "exited" || cj.State.Status == "dead" {
			logs := containerLogs(ctx, c, id)
			return fmt.Errorf("container exited immediately with code %d; logs:\n%s", cj.State.ExitCode, logs)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("container failed to be in running state (status %s)", cj.State.Status)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func containerLogs(ctx core.Ctx, c *Client, id string) string {
	out, err := c.CLI(ctx, "logs", "--tail", "50", id)
	if err != nil {
		return "(logs unavailable: " + err.Error() + ")"
	}
	return out
}

func waitHealthy(ctx core.Ctx, c *Client, id string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	last := ""
	for {
		cj, err := inspectContainer(ctx, c, id)
		if err != nil {
			return err
		}
		if cj == nil {
			return fmt.Errorf("container disappeared while waiting for it to be healthy")
		}
		if cj.State.Health == nil {
			return fmt.Errorf("wait: true needs a healthcheck, but the container has none (set healthcheck or use an image with HEALTHCHECK)")
		}
		if cj.State.Health.Status == "healthy" {
			return nil
		}
		if n := len(cj.State.Health.Log); n > 0 {
			l := cj.State.Health.Log[n-1]
			last = fmt.Sprintf("; last check exit %d: %s", l.ExitCode, strings.TrimSpace(l.Output))
		}
		if !cj.State.Running {
			return fmt.Errorf("container stopped (exit code %d) while waiting for it to be healthy%s", cj.State.ExitCode, last)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("container failed to be in healthy state within %s (status %s%s)", timeout, cj.State.Health.Status, last)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// applyContainer writes what Docker reports into the state.
func applyContainer(outs resource.PropertyMap, cj *containerJSON, inputs resource.PropertyMap) {
	keepSecret := func(k string, v resource.PropertyValue) {
		outs[resource.PropertyKey(k)] = core.Secretify(v, outs[resource.PropertyKey(k)].ContainsSecrets())
	}
	keepSecret("name", resource.NewStringProperty(strings.TrimPrefix(cj.Name, "/")))
	keepSecret("hostname", resource.NewStringProperty(cj.Config.Hostname))
	keepSecret("command", strList(cj.Config.Cmd))
	keepSecret("entrypoints", strList(cj.Config.Entrypoint))
	keepSecret("user", resource.NewStringProperty(cj.Config.User))
	keepSecret("workingDir", resource.NewStringProperty(cj.Config.WorkingDir))
	keepSecret("restart", resource.NewStringProperty(cj.HostConfig.RestartPolicy.Name))
	keepSecret("maxRetryCount", resource.NewNumberProperty(float64(cj.HostConfig.RestartPolicy.MaximumRetryCount)))
	keepSecret("memory", resource.NewNumberProperty(float64(cj.HostConfig.Memory/1024/1024)))
	keepSecret("cpuShares", resource.NewNumberProperty(float64(cj.HostConfig.CPUShares)))
	if core.Has(inputs, "memorySwap") {
		s := cj.HostConfig.MemorySwap
		if s > 0 {
			s = s / 1024 / 1024
		}
		keepSecret("memorySwap", resource.NewNumberProperty(float64(s)))
	}
	init := false
	if cj.HostConfig.Init != nil {
		init = *cj.HostConfig.Init
	}
	keepSecret("init", resource.NewBoolProperty(init))
	if cj.Config.StopSignal != "" {
		keepSecret("stopSignal", resource.NewStringProperty(cj.Config.StopSignal))
	}
	if cj.Config.StopTimeout != nil {
		keepSecret("stopTimeout", resource.NewNumberProperty(float64(*cj.Config.StopTimeout)))
	}
	outs["bridge"] = resource.NewStringProperty(cj.NetworkSettings.Bridge)
	if !cj.State.Running {
		outs["exitCode"] = resource.NewNumberProperty(float64(cj.State.ExitCode))
	}
	var nds []resource.PropertyValue
	for name, n := range cj.NetworkSettings.Networks {
		nds = append(nds, resource.NewObjectProperty(resource.PropertyMap{
			"networkName":    resource.NewStringProperty(name),
			"ipAddress":      resource.NewStringProperty(n.IPAddress),
			"ipPrefixLength": resource.NewNumberProperty(float64(n.IPPrefixLen)),
			"gateway":        resource.NewStringProperty(n.Gateway),
			"macAddress":     resource.NewStringProperty(n.MacAddress),
		}))
	}
	sortByName(nds)
	outs["networkDatas"] = resource.NewArrayProperty(nds)
}

func sortByName(nds []resource.PropertyValue) {
	for i := 1; i < len(nds); i++ {
		for j := i; j > 0 && nds[j].ObjectValue()["networkName"].StringValue() < nds[j-1].ObjectValue()["networkName"].StringValue(); j-- {
			nds[j], nds[j-1] = nds[j-1], nds[j]
		}
	}
}

func strList(s []string) resource.PropertyValue {
	arr := make([]resource.PropertyValue, len(s))
	for i, e := range s {
		arr[i] = resource.NewStringProperty(e)
	}
	return resource.NewArrayProperty(arr)
}

// Read refreshes like upstream: a removed container is dropped from the
// state; a container that is not running while mustRun is true is removed
// and dropped as well, so that the next `pulumi up` creates it again.
func (Container) Read(ctx core.Ctx, id string, state, inputs resource.PropertyMap) (string, resource.PropertyMap, resource.PropertyMap, error) {
	c := clientFor(ctx)
	cj, err := inspectContainer(ctx, c, id)
	if err != nil {
		return "", nil, nil, err
	}
	if cj == nil {
		return "", nil, nil, nil
	}
	if !cj.State.Running && core.Bool(state, "mustRun", true) {
		ctx.Log(diag.Warning, fmt.Sprintf("container %s is %s while mustRun is true: removing it so the next update creates it again", id[:12], cj.State.Status))
		if err := removeContainer(ctx, c, id, core.Bool(state, "removeVolumes", true), 0); err != nil {
			return "", nil, nil, err
		}
		return "", nil, nil, nil
	}
	outs := state.Copy()
	applyContainer(outs, cj, state)
	// image: keep the reference from the state while it still resolves to
	// the image the container runs; otherwise report the image id (drift).
	ref := core.Str(state, "image", "")
	if ref != cj.Image {
		im, err := inspectImage(ctx, c, ref)
		if err != nil || im == nil || im.ID != cj.Image {
			outs["image"] = resource.NewStringProperty(cj.Image)
		}
	}
	if len(inputs) == 0 {
		inputs = inputsOf(state, ContainerFields)
	}
	return id, outs, inputs, nil
}

// Update applies restart/resources changes to the running container.
func (Container) Update(ctx core.Ctx, id string, olds, news, _ resource.PropertyMap, preview bool) (resource.PropertyMap, error) {
	outs := mergeOver(olds, news)
	changed := false
	for _, k := range updatable {
		if !core.Equal(olds[resource.PropertyKey(k)], news[resource.PropertyKey(k)]) && core.Has(news, k) {
			changed = true
		}
	}
	if preview || !changed {
		return outs, nil
	}
	var a ContainerArgs
	if err := core.Decode(news, &a); err != nil {
		return nil, err
	}
	res := map[string]any{"CpuShares": a.CPUShares, "Memory": a.Memory * 1024 * 1024}
	if a.MemorySwap != nil {
		s := *a.MemorySwap
		if s > 0 {
			s *= 1024 * 1024
		}
		res["MemorySwap"] = s
	}
	res["RestartPolicy"] = map[string]any{"Name": a.Restart, "MaximumRetryCount": a.MaxRetryCount}
	c := clientFor(ctx)
	if err := c.Do(ctx, "POST", "/containers/"+id+"/update", nil, res, nil); err != nil {
		return nil, fmt.Errorf("unable to update a container: %w", err)
	}
	if cj, err := inspectContainer(ctx, c, id); err == nil && cj != nil {
		applyContainer(outs, cj, news)
	}
	return outs, nil
}

func removeContainer(ctx core.Ctx, c *Client, id string, volumes bool, grace int) error {
	if grace > 0 {
		if err := c.Do(ctx, "POST", "/containers/"+id+"/stop", url.Values{"t": {strconv.Itoa(grace)}}, nil, nil); err != nil && !IsNotFound(err) {
			return fmt.Errorf("error stopping container %s: %w", id, err)
		}
	}
	q := url.Values{"force": {"1"}}
	if volumes {
		q.Set("v", "1")
	}
	if err := c.Do(ctx, "DELETE", "/containers/"+id, q, nil, nil); err != nil {
		if IsNotFound(err) {
			return nil
		}
		if !strings.Contains(err.Error(), "already in progress") {
			return fmt.Errorf("error deleting container %s: %w", id, err)
		}
	}
	// wait until it is gone
	for i := 0; i < 100; i++ {
		cj, err := inspectContainer(ctx, c, id)
		if err == nil && cj == nil {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("container %s still exists after removal", id)
}

// Delete stops (destroyGraceSeconds) and removes the container; with rm: true
// it is only forgotten, as upstream does.
func (Container) Delete(ctx core.Ctx, id string, state resource.PropertyMap) error {
	if core.Bool(state, "rm", false) {
		return nil
	}
	return removeContainer(ctx, clientFor(ctx), id, core.Bool(state, "removeVolumes", true), int(core.Num(state, "destroyGraceSeconds", 0)))
}

// Resources maps type tokens to implementations.
func Resources() map[string]core.Resource {
	return map[string]core.Resource{
		"docker:index/container:Container":     Container{},
		"docker:index/network:Network":         Network{},
		"docker:index/volume:Volume":           Volume{},
		"docker:index/remoteImage:RemoteImage": RemoteImage{},
	}
}
