// Package core is a small framework for switchyard's resource provider plugins.
// It implements pulumirpc.ResourceProviderServer on top of a per-type Resource
// interface and takes care of the wire format: unknowns (preview), secrets,
// partial-creation errors and detailed diffs.
package core

import (
	"context"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil/rpcerror"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/provider"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"
)

// CheckFailure is one validation problem found by Check.
type CheckFailure struct {
	Property string
	Reason   string
}

// Ctx is what a resource operation gets besides its properties.
type Ctx struct {
	context.Context
	URN    resource.URN
	Config map[string]string
	Host   *provider.HostClient
}

// Log sends a message to the engine (shown by the CLI under the resource).
func (c Ctx) Log(sev diag.Severity, msg string) {
	if c.Host != nil {
		_ = c.Host.Log(c.Context, sev, c.URN, msg)
	}
}

// Resource is one resource type of a provider.
type Resource interface {
	// Check validates inputs and fills defaults. news are the raw inputs.
	Check(ctx Ctx, olds, news resource.PropertyMap) (resource.PropertyMap, []CheckFailure, error)
	// Diff compares the old state with the new (checked) inputs.
	Diff(ctx Ctx, id string, olds, news, oldInputs resource.PropertyMap) (DiffResult, error)
	// Create creates the resource; in preview it must not touch anything and
	// should return unknowns for values it cannot know.
	Create(ctx Ctx, news resource.PropertyMap, preview bool) (string, resource.PropertyMap, error)
	// Read refreshes the state. An empty returned id means the resource is gone.
	Read(ctx Ctx, id string, state, inputs resource.PropertyMap) (string, resource.PropertyMap, resource.PropertyMap, error)
	// Update updates in place.
	Update(ctx Ctx, id string, olds, news, oldInputs resource.PropertyMap, preview bool) (resource.PropertyMap, error)
	// Delete deletes the resource.
	Delete(ctx Ctx, id string, state resource.PropertyMap) error
}

// InitError reports a resource that was created (or updated) but failed to
// initialise: the engine keeps it in the state (so it is not leaked) and
// reports the error.
type InitError struct {
	ID      string
	Outputs resource.PropertyMap
	Reasons []string
}

func (e *InitError) Error() string { return strings.Join(e.Reasons, "; ") }

// Provider is a ResourceProviderServer serving a set of resource types.
type Provider struct {
	pulumirpc.UnimplementedResourceProviderServer
	Name      string
	Version   string
	Resources map[string]Resource
	// ConfigKeys lists the provider config keys (camelCase); values are kept as strings.
	ConfigKeys []string
	// SecretConfig lists config keys whose values are secret.
	host   *provider.HostClient
	config map[string]string
}

// New returns a provider.
func New(name, version string, resources map[string]Resource, configKeys ...string) *Provider {
	return &Provider{Name: name, Version: version, Resources: resources, ConfigKeys: configKeys, config: map[string]string{}}
}

// Serve runs the plugin main loop.
func (p *Provider) Serve() error {
	return provider.Main(p.Name, func(h *provider.HostClient) (pulumirpc.ResourceProviderServer, error) {
		p.host = h
		return p, nil
	})
}

// Config returns the configured provider config (for tests).
func (p *Provider) Config() map[string]string { return p.config }

func unmarshalOpts(label string) plugin.MarshalOptions {
	return plugin.MarshalOptions{Label: label, KeepUnknowns: true, KeepSecrets: true, SkipNulls: true, KeepResources: true}
}

func marshalOpts(label string) plugin.MarshalOptions {
	return plugin.MarshalOptions{Label: label, KeepUnknowns: true, KeepSecrets: true, SkipNulls: true}
}

func unmarshal(s *structpb.Struct, label string) (resource.PropertyMap, error) {
	if s == nil {
		return resource.PropertyMap{}, nil
	}
	m, err := plugin.UnmarshalProperties(s, unmarshalOpts(label))
	if err != nil {
		return nil, err
	}
	// Output values (first-class outputs) are unwrapped into secrets/unknowns.
	return unwrapOutputValues(m), nil
}

func unwrapOutputValues(m resource.PropertyMap) resource.PropertyMap {
	out := resource.PropertyMap{}
	for k, v := range m {
		out[k] = unwrapOutput(v)
	}
	return out
}

func unwrapOutput(v resource.PropertyValue) resource.PropertyValue {
	switch {
	case v.IsOutput():
		o := v.OutputValue()
		var inner resource.PropertyValue
		if !o.Known {
			inner = resource.MakeComputed(resource.NewStringProperty(""))
		} else {
			inner = unwrapOutput(o.Element)
		}
		if o.Secret {
			return resource.MakeSecret(inner)
		}
		return inner
	case v.IsSecret():
		return resource.MakeSecret(unwrapOutput(v.SecretValue().Element))
	case v.IsArray():
		arr := v.ArrayValue()
		res := make([]resource.PropertyValue, len(arr))
		for i, e := range arr {
			res[i] = unwrapOutput(e)
		}
		return resource.NewArrayProperty(res)
	case v.IsObject():
		return resource.NewObjectProperty(unwrapOutputValues(v.ObjectValue()))
	}
	return v
}

func marshal(m resource.PropertyMap, label string) (*structpb.Struct, error) {
	return plugin.MarshalProperties(m, marshalOpts(label))
}

func (p *Provider) resourceFor(urn string) (Resource, error) {
	t := string(resource.URN(urn).Type())
	r, ok := p.Resources[t]
	if !ok {
		return nil, fmt.Errorf("%s provider (switchyard build %s) does not support resource type %q; supported: %s",
			p.Name, p.Version, t, strings.Join(p.types(), ", "))
	}
	return r, nil
}

func (p *Provider) types() []string {
	var ts []string
	for t := range p.Resources {
		ts = append(ts, t)
	}
	return ts
}

func (p *Provider) ctx(ctx context.Context, urn string) Ctx {
	return Ctx{Context: ctx, URN: resource.URN(urn), Config: p.config, Host: p.host}
}

// GetPluginInfo returns the version.
func (p *Provider) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: p.Version}, nil
}

// GetSchema returns a minimal schema (the npm SDKs carry their own types).
func (p *Provider) GetSchema(context.Context, *pulumirpc.GetSchemaRequest) (*pulumirpc.GetSchemaResponse, error) {
	return &pulumirpc.GetSchemaResponse{Schema: fmt.Sprintf(`{"name":%q,"version":%q}`, p.Name, p.Version)}, nil
}

// Attach is not supported (the engine starts us).
func (p *Provider) Attach(context.Context, *pulumirpc.PluginAttach) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}

// Cancel is a no-op.
func (p *Provider) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}

// CheckConfig accepts any config.
func (p *Provider) CheckConfig(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	return &pulumirpc.CheckResponse{Inputs: req.GetNews()}, nil
}

// DiffConfig: a change of a config key replaces the resources of this provider
// only through the engine's usual rules; we report the changed keys.
func (p *Provider) DiffConfig(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	olds, err := unmarshal(req.GetOldInputs(), "olds")
	if err != nil {
		return nil, err
	}
	news, err := unmarshal(req.GetNews(), "news")
	if err != nil {
		return nil, err
	}
	var diffs []string
	for _, k := range p.ConfigKeys {
		if !Equal(olds[resource.PropertyKey(k)], news[resource.PropertyKey(k)]) {
			diffs = append(diffs, k)
		}
	}
	ch := pulumirpc.DiffResponse_DIFF_NONE
	if len(diffs) > 0 {
		ch = pulumirpc.DiffResponse_DIFF_SOME
	}
	return &pulumirpc.DiffResponse{Changes: ch, Diffs: diffs}, nil
}

// Configure stores the provider config.
func (p *Provider) Configure(_ context.Context, req *pulumirpc.ConfigureRequest) (*pulumirpc.ConfigureResponse, error) {
	cfg := map[string]string{}
	for k, v := range req.GetVariables() {
		// keys are "pkg:config:key"
		parts := strings.Split(k, ":")
		cfg[parts[len(parts)-1]] = v
	}
	if args := req.GetArgs(); args != nil {
		m, err := unmarshal(args, "config")
		if err != nil {
			return nil, err
		}
		for k, v := range m {
			pv := Plain(v)
			if s, ok := pv.(string); ok {
				cfg[string(k)] = s
			} else if pv != nil {
				cfg[string(k)] = fmt.Sprint(pv)
			}
		}
	}
	p.config = cfg
	return &pulumirpc.ConfigureResponse{AcceptSecrets: true, SupportsPreview: true, AcceptResources: true}, nil
}

// Check validates inputs.
func (p *Provider) Check(ctx context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	r, err := p.resourceFor(req.GetUrn())
	if err != nil {
		return nil, err
	}
	olds, err := unmarshal(req.GetOlds(), "olds")
	if err != nil {
		return nil, err
	}
	news, err := unmarshal(req.GetNews(), "news")
	if err != nil {
		return nil, err
	}
	checked, failures, err := r.Check(p.ctx(ctx, req.GetUrn()), olds, news)
	if err != nil {
		return nil, err
	}
	out, err := marshal(checked, "checked")
	if err != nil {
		return nil, err
	}
	resp := &pulumirpc.CheckResponse{Inputs: out}
	for _, f := range failures {
		resp.Failures = append(resp.Failures, &pulumirpc.CheckFailure{Property: f.Property, Reason: f.Reason})
	}
	return resp, nil
}

// Diff compares.
func (p *Provider) Diff(ctx context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	r, err := p.resourceFor(req.GetUrn())
	if err != nil {
		return nil, err
	}
	olds, err := unmarshal(req.GetOlds(), "olds")
	if err != nil {
		return nil, err
	}
	news, err := unmarshal(req.GetNews(), "news")
	if err != nil {
		return nil, err
	}
	oldInputs, err := unmarshal(req.GetOldInputs(), "oldInputs")
	if err != nil {
		return nil, err
	}
	d, err := r.Diff(p.ctx(ctx, req.GetUrn()), req.GetId(), olds, news, oldInputs)
	if err != nil {
		return nil, err
	}
	return d.Proto(), nil
}

// Create creates.
func (p *Provider) Create(ctx context.Context, req *pulumirpc.CreateRequest) (*pulumirpc.CreateResponse, error) {
	r, err := p.resourceFor(req.GetUrn())
	if err != nil {
		return nil, err
	}
	news, err := unmarshal(req.GetProperties(), "news")
	if err != nil {
		return nil, err
	}
	id, outs, err := r.Create(p.ctx(ctx, req.GetUrn()), news, req.GetPreview())
	if err != nil {
		return nil, p.wrapErr(err)
	}
	s, err := marshal(outs, "outs")
	if err != nil {
		return nil, err
	}
	return &pulumirpc.CreateResponse{Id: id, Properties: s}, nil
}

// Read refreshes.
func (p *Provider) Read(ctx context.Context, req *pulumirpc.ReadRequest) (*pulumirpc.ReadResponse, error) {
	r, err := p.resourceFor(req.GetUrn())
	if err != nil {
		return nil, err
	}
	state, err := unmarshal(req.GetProperties(), "state")
	if err != nil {
		return nil, err
	}
	inputs, err := unmarshal(req.GetInputs(), "inputs")
	if err != nil {
		return nil, err
	}
	id, outs, ins, err := r.Read(p.ctx(ctx, req.GetUrn()), req.GetId(), state, inputs)
	if err != nil {
		return nil, p.wrapErr(err)
	}
	if id == "" {
		return &pulumirpc.ReadResponse{}, nil
	}
	so, err := marshal(outs, "outs")
	if err != nil {
		return nil, err
	}
	si, err := marshal(ins, "inputs")
	if err != nil {
		return nil, err
	}
	return &pulumirpc.ReadResponse{Id: id, Properties: so, Inputs: si}, nil
}

// Update updates in place.
func (p *Provider) Update(ctx context.Context, req *pulumirpc.UpdateRequest) (*pulumirpc.UpdateResponse, error) {
	r, err := p.resourceFor(req.GetUrn())
	if err != nil {
		return nil, err
	}
	olds, err := unmarshal(req.GetOlds(), "olds")
	if err != nil {
		return nil, err
	}
	news, err := unmarshal(req.GetNews(), "news")
	if err != nil {
		return nil, err
	}
	oldInputs, err := unmarshal(req.GetOldInputs(), "oldInputs")
	if err != nil {
		return nil, err
	}
	outs, err := r.Update(p.ctx(ctx, req.GetUrn()), req.GetId(), olds, news, oldInputs, req.GetPreview())
	if err != nil {
		return nil, p.wrapErr(err)
	}
	s, err := marshal(outs, "outs")
	if err != nil {
		return nil, err
	}
	return &pulumirpc.UpdateResponse{Properties: s}, nil
}

// Delete deletes.
func (p *Provider) Delete(ctx context.Context, req *pulumirpc.DeleteRequest) (*emptypb.Empty, error) {
	r, err := p.resourceFor(req.GetUrn())
	if err != nil {
		return nil, err
	}
	state, err := unmarshal(req.GetProperties(), "state")
	if err != nil {
		return nil, err
	}
	if err := r.Delete(p.ctx(ctx, req.GetUrn()), req.GetId(), state); err != nil {
		return nil, err
	}
	return &emptypb.Empty{}, nil
}

func (p *Provider) wrapErr(err error) error {
	ie, ok := err.(*InitError)
	if !ok {
		return err
	}
	props, merr := marshal(ie.Outputs, "outs")
	if merr != nil {
		return err
	}
	return rpcerror.WithDetails(
		rpcerror.New(codes.Unknown, ie.Error()),
		&pulumirpc.ErrorResourceInitFailed{Id: ie.ID, Properties: props, Reasons: ie.Reasons})
}
