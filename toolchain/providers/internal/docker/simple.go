package docker

import (
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/switchyard/toolchain/providers/internal/core"
)

func clientFor(ctx core.Ctx) *Client { return NewClient(ctx.Config["host"]) }

// unsupported returns Check failures for inputs outside the supported subset.
func unsupported(news resource.PropertyMap, fields []core.Field, typ string, extra ...string) []core.CheckFailure {
	ok := map[string]bool{}
	for _, f := range fields {
		ok[f.Name] = true
	}
	for _, e := range extra {
		ok[e] = true
	}
	var keys []string
	for k, v := range news {
		if !ok[string(k)] && !v.IsNull() && !strings.HasPrefix(string(k), "__") {
			keys = append(keys, string(k))
		}
	}
	sort.Strings(keys)
	var fs []core.CheckFailure
	for _, k := range keys {
		fs = append(fs, core.CheckFailure{Property: k, Reason: fmt.Sprintf(
			"%s.%s is not supported by switchyard's docker provider (a compatible subset of pulumi-docker 5.2.0)", typ, k)})
	}
	return fs
}

func required(news resource.PropertyMap, keys ...string) []core.CheckFailure {
	var fs []core.CheckFailure
	for _, k := range keys {
		if !core.Has(news, k) {
			fs = append(fs, core.CheckFailure{Property: k, Reason: fmt.Sprintf("missing required property '%s'", k)})
		}
	}
	return fs
}

// labelsToMap converts [{label,value}] to a map.
func labelsToMap(v any) map[string]string {
	out := map[string]string{}
	arr, _ := v.([]any)
	for _, e := range arr {
		m, _ := e.(map[string]any)
		l, _ := m["label"].(string)
		val, _ := m["value"].(string)
		if l != "" {
			out[l] = val
		}
	}
	return out
}

func stringMap(v any) map[string]string {
	out := map[string]string{}
	m, _ := v.(map[string]any)
	for k, e := range m {
		out[k] = fmt.Sprint(e)
	}
	return out
}

func plainOf(m resource.PropertyMap, k string) any {
	if v, ok := m[resource.PropertyKey(k)]; ok {
		return core.Plain(v)
	}
	return nil
}

// inputsOf rebuilds inputs from a state for Read when the engine sends none.
func inputsOf(state resource.PropertyMap, fields []core.Field) resource.PropertyMap {
	in := resource.PropertyMap{}
	for _, f := range fields {
		if v, ok := state[resource.PropertyKey(f.Name)]; ok {
			in[resource.PropertyKey(f.Name)] = v
		}
	}
	return in
}

// ---------------------------------------------------------------- Network

// NetworkFields: every network input forces a new network upstream.
var NetworkFields = []core.Field{
	{Name: "name", ForceNew: true},
	{Name: "driver", ForceNew: true, Computed: true},
	{Name: "internal", ForceNew: true, Computed: true},
	{Name: "attachable", ForceNew: true, Default: false},
	{Name: "labels", ForceNew: true, Set: true},
	{Name: "options", ForceNew: true, Computed: true},
}

// Network is docker:index/network:Network.
type Network struct{}

type networkJSON struct {
	ID         string            `json:"Id"`
	Name       string            `json:"Name"`
	Driver     string            `json:"Driver"`
	Scope      string            `json:"Scope"`
	Internal   bool              `json:"Internal"`
	Attachable bool              `json:"Attachable"`
	Options    map[string]string `json:"Options"`
	Labels     map[string]string `json:"Labels"`
	Containers map[string]any    `json:"Containers"`
}

// Check validates.
func (Network) Check(_ core.Ctx, _, news resource.PropertyMap) (resource.PropertyMap, []core.CheckFailure, error) {
	fs := append(required(news, "name"), unsupported(news, NetworkFields, "Network")...)
	out := news.Copy()
	if !core.Has(out, "attachable") {
		out["attachable"] = resource.NewBoolProperty(false)
	}
	return out, fs, nil
}

// Diff: all inputs replace.
func (Network) Diff(_ core.Ctx, _ string, olds, news, _ resource.PropertyMap) (core.DiffResult, error) {
	return core.DiffFields(NetworkFields, olds, news), nil
}

// Create creates the network.
func (Network) Create(ctx core.Ctx, news resource.PropertyMap, preview bool) (string, resource.PropertyMap, error) {
	outs := news.Copy()
	if preview {
		for _, k := range []string{"driver", "internal", "options", "scope", "ipamConfigs"} {
			if !core.Has(outs, k) {
				outs[resource.PropertyKey(k)] = core.Computed()
			}
		}
		return "", outs, nil
	}
	c := clientFor(ctx)
	body := map[string]any{
		"Name":           core.Str(news, "name", ""),
		"CheckDuplicate": true,
		"Internal":       core.Bool(news, "internal", false),
		"Attachable":     core.Bool(news, "attachable", false),
		"Labels":         labelsToMap(plainOf(news, "labels")),
		"Options":        stringMap(plainOf(news, "options")),
	}
	if d := core.Str(news, "driver", ""); d != "" {
		body["Driver"] = d
	}
	var created struct {
		ID string `json:"Id"`
	}
	if err := c.Do(ctx, "POST", "/networks/create", nil, body, &created); err != nil {
		return "", nil, fmt.Errorf("unable to create network %q: %w", core.Str(news, "name", ""), err)
	}
	var n networkJSON
	if err := c.Do(ctx, "GET", "/networks/"+created.ID, nil, nil, &n); err != nil {
		return created.ID, nil, &core.InitError{ID: created.ID, Outputs: outs, Reasons: []string{err.Error()}}
	}
	applyNetwork(outs, n)
	return created.ID, outs, nil
}

func applyNetwork(outs resource.PropertyMap, n networkJSON) {
	outs["name"] = core.Secretify(resource.NewStringProperty(n.Name), outs["name"].ContainsSecrets())
	outs["driver"] = resource.NewStringProperty(n.Driver)
	outs["internal"] = resource.NewBoolProperty(n.Internal)
	outs["attachable"] = resource.NewBoolProperty(n.Attachable)
	outs["scope"] = resource.NewStringProperty(n.Scope)
	opts := resource.PropertyMap{}
	for k, v := range n.Options {
		opts[resource.PropertyKey(k)] = resource.NewStringProperty(v)
	}
	outs["options"] = resource.NewObjectProperty(opts)
}

// Read refreshes; a missing network is dropped from the state.
func (Network) Read(ctx core.Ctx, id string, state, inputs resource.PropertyMap) (string, resource.PropertyMap, resource.PropertyMap, error) {
	var n networkJSON
	if err := clientFor(ctx).Do(ctx, "GET", "/networks/"+id, nil, nil, &n); err != nil {
		if IsNotFound(err) {
			return "", nil, nil, nil
		}
		return "", nil, nil, err
	}
	outs := state.Copy()
	applyNetwork(outs, n)
	if len(inputs) == 0 {
		inputs = inputsOf(outs, NetworkFields)
	}
	return id, outs, inputs, nil
}

// Update is never planned (all inputs replace).
func (Network) Update(_ core.Ctx, _ string, olds, news, _ resource.PropertyMap, _ bool) (resource.PropertyMap, error) {
	return mergeOver(olds, news), nil
}

// Delete removes the network, retrying while containers are still detaching.
func (Network) Delete(ctx core.Ctx, id string, _ resource.PropertyMap) error {
	return deleteRetrying(ctx, "/networks/"+id, "active endpoints", "network "+id)
}

// ---------------------------------------------------------------- Volume

// VolumeFields: every volume input forces a new volume upstream.
var VolumeFields = []core.Field{
	{Name: "name", ForceNew: true, Computed: true},
	{Name: "driver", ForceNew: true, Computed: true},
	{Name: "driverOpts", ForceNew: true},
	{Name: "labels", ForceNew: true, Set: true},
}

// Volume is docker:index/volume:Volume.
type Volume struct{}

type volumeJSON struct {
	Name       string            `json:"Name"`
	Driver     string            `json:"Driver"`
	Mountpoint string            `json:"Mountpoint"`
	Labels     map[string]string `json:"Labels"`
	Options    map[string]string `json:"Options"`
}

// Check validates.
func (Volume) Check(_ core.Ctx, _, news resource.PropertyMap) (resource.PropertyMap, []core.CheckFailure, error) {
	return news.Copy(), unsupported(news, VolumeFields, "Volume"), nil
}

// Diff: all inputs replace.
func (Volume) Diff(_ core.Ctx, _ string, olds, news, _ resource.PropertyMap) (core.DiffResult, error) {
	return core.DiffFields(VolumeFields, olds, news), nil
}

// Create creates the volume.
func (Volume) Create(ctx core.Ctx, news resource.PropertyMap, preview bool) (string, resource.PropertyMap, error) {
	outs := news.Copy()
	if preview {
		for _, k := range []string{"name", "driver", "mountpoint"} {
			if !core.Has(outs, k) {
				outs[resource.PropertyKey(k)] = core.Computed()
			}
		}
		return "", outs, nil
	}
	body := map[string]any{
		"Name":       core.Str(news, "name", ""),
		"Driver":     core.Str(news, "driver", ""),
		"DriverOpts": stringMap(plainOf(news, "driverOpts")),
		"Labels":     labelsToMap(plainOf(news, "labels")),
	}
	var v volumeJSON
	if err := clientFor(ctx).Do(ctx, "POST", "/volumes/create", nil, body, &v); err != nil {
		return "", nil, fmt.Errorf("unable to create volume: %w", err)
	}
	applyVolume(outs, v)
	return v.Name, outs, nil
}

func applyVolume(outs resource.PropertyMap, v volumeJSON) {
	outs["name"] = core.Secretify(resource.NewStringProperty(v.Name), outs["name"].ContainsSecrets())
	outs["driver"] = resource.NewStringProperty(v.Driver)
	outs["mountpoint"] = resource.NewStringProperty(v.Mountpoint)
}

// Read refreshes; a missing volume is dropped from the state.
func (Volume) Read(ctx core.Ctx, id string, state, inputs resource.PropertyMap) (string, resource.PropertyMap, resource.PropertyMap, error) {
	var v volumeJSON
	if err := clientFor(ctx).Do(ctx, "GET", "/volumes/"+url.PathEscape(id), nil, nil, &v); err != nil {
		if IsNotFound(err) {
			return "", nil, nil, nil
		}
		return "", nil, nil, err
	}
	outs := state.Copy()
	applyVolume(outs, v)
	if len(inputs) == 0 {
		inputs = inputsOf(outs, VolumeFields)
	}
	return id, outs, inputs, nil
}

// Update is never planned.
func (Volume) Update(_ core.Ctx, _ string, olds, news, _ resource.PropertyMap, _ bool) (resource.PropertyMap, error) {
	return mergeOver(olds, news), nil
}

// Delete removes the volume, retrying while it is in use by a container being removed.
func (Volume) Delete(ctx core.Ctx, id string, _ resource.PropertyMap) error {
	return deleteRetrying(ctx, "/volumes/"+url.PathEscape(id), "in use", "volume "+id)
}

// ---------------------------------------------------------------- RemoteImage

// ImageFields: name and pullTriggers replace; keepLocally/forceRemove update the state only.
var ImageFields = []core.Field{
	{Name: "name", ForceNew: true},
	{Name: "pullTriggers", ForceNew: true, Set: true},
	{Name: "triggers", ForceNew: true},
	{Name: "keepLocally"},
	{Name: "forceRemove"},
}

// RemoteImage is docker:index/remoteImage:RemoteImage.
type RemoteImage struct{}

type imageJSON struct {
	ID          string   `json:"Id"`
	RepoTags    []string `json:"RepoTags"`
	RepoDigests []string `json:"RepoDigests"`
}

// Check validates.
func (RemoteImage) Check(_ core.Ctx, _, news resource.PropertyMap) (resource.PropertyMap, []core.CheckFailure, error) {
	fs := append(required(news, "name"), unsupported(news, ImageFields, "RemoteImage")...)
	return news.Copy(), fs, nil
}

// Diff per field.
func (RemoteImage) Diff(_ core.Ctx, _ string, olds, news, _ resource.PropertyMap) (core.DiffResult, error) {
	return core.DiffFields(ImageFields, olds, news), nil
}

func inspectImage(ctx core.Ctx, c *Client, name string) (*imageJSON, error) {
	var im imageJSON
	if err := c.Do(ctx, "GET", "/images/"+name+"/json", nil, nil, &im); err != nil {
		if IsNotFound(err) {
			return nil, nil
		}
		return nil, err
	}
	return &im, nil
}

func repoDigest(name string, im *imageJSON) string {
	repo := name
	if i := strings.Index(repo, "@"); i >= 0 {
		repo = repo[:i]
	} else if i := strings.LastIndex(repo, ":"); i > strings.LastIndex(repo, "/") {
		repo = repo[:i]
	}
	for _, d := range im.RepoDigests {
		if strings.HasPrefix(d, repo+"@") {
			return d
		}
	}
	if len(im.RepoDigests) > 0 {
		return im.RepoDigests[0]
	}
	return ""
}

// Create uses the local image when present, else pulls it.
func (RemoteImage) Create(ctx core.Ctx, news resource.PropertyMap, preview bool) (string, resource.PropertyMap, error) {
	outs := news.Copy()
	if preview {
		outs["imageId"] = core.Computed()
		outs["repoDigest"] = core.Computed()
		return "", outs, nil
	}
	name := core.Str(news, "name", "")
	c := clientFor(ctx)
	im, err := inspectImage(ctx, c, name)
	if err != nil {
		return "", nil, err
	}
	if im == nil {
		if out, err := c.CLI(ctx, "pull", name); err != nil {
			return "", nil, fmt.Errorf("image %q is not present locally and pulling it failed: %s", name, strings.TrimSpace(out))
		}
		if im, err = inspectImage(ctx, c, name); err != nil || im == nil {
			return "", nil, fmt.Errorf("image %q was pulled but cannot be inspected: %v", name, err)
		}
	}
	outs["imageId"] = resource.NewStringProperty(im.ID)
	outs["repoDigest"] = resource.NewStringProperty(repoDigest(name, im))
	return im.ID + name, outs, nil
}

// Read refreshes imageId from the local image; a missing image is dropped.
func (RemoteImage) Read(ctx core.Ctx, id string, state, inputs resource.PropertyMap) (string, resource.PropertyMap, resource.PropertyMap, error) {
	name := core.Str(state, "name", "")
	im, err := inspectImage(ctx, clientFor(ctx), name)
	if err != nil {
		return "", nil, nil, err
	}
	if im == nil {
		return "", nil, nil, nil
	}
	outs := state.Copy()
	outs["imageId"] = resource.NewStringProperty(im.ID)
	outs["repoDigest"] = resource.NewStringProperty(repoDigest(name, im))
	if len(inputs) == 0 {
		inputs = inputsOf(outs, ImageFields)
	}
	return im.ID + name, outs, inputs, nil
}

// Update only records keepLocally/forceRemove.
func (RemoteImage) Update(_ core.Ctx, _ string, olds, news, _ resource.PropertyMap, _ bool) (resource.PropertyMap, error) {
	outs := news.Copy()
	outs["imageId"] = olds["imageId"]
	outs["repoDigest"] = olds["repoDigest"]
	return outs, nil
}

// Delete removes the local image unless keepLocally.
func (RemoteImage) Delete(ctx core.Ctx, _ string, state resource.PropertyMap) error {
	if core.Bool(state, "keepLocally", false) {
		return nil
	}
	name := core.Str(state, "name", "")
	q := url.Values{}
	if core.Bool(state, "forceRemove", false) {
		q.Set("force", "1")
	}
	err := clientFor(ctx).Do(ctx, "DELETE", "/images/"+name, q, nil, nil)
	if err == nil || IsNotFound(err) {
		return nil
	}
	return fmt.Errorf("unable to remove image %q (set keepLocally: true to keep images that containers still use): %w", name, err)
}

// mergeOver returns olds with news laid over it (an in-state update: nothing on the host changes).
func mergeOver(olds, news resource.PropertyMap) resource.PropertyMap {
	outs := olds.Copy()
	for k, v := range news {
		outs[k] = v
	}
	return outs
}

// deleteRetrying DELETEs path; gone already is fine, and while the engine answers with an error
// containing busy (containers still detaching), it retries for up to 30 s.
func deleteRetrying(ctx core.Ctx, path, busy, what string) error {
	c := clientFor(ctx)
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := c.Do(ctx, "DELETE", path, nil, nil, nil)
		if err == nil || IsNotFound(err) {
			return nil
		}
		if time.Now().After(deadline) || !strings.Contains(err.Error(), busy) {
			return fmt.Errorf("unable to remove %s: %w", what, err)
		}
		time.Sleep(time.Second)
	}
}
