// Package testutil drives a core.Provider through its gRPC methods, so the
// tests cover the wire format (secrets, unknowns) as the engine sees it.
package testutil

import (
	"context"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/switchyard/toolchain/providers/internal/core"
)

// Harness wraps a provider for one resource type.
type Harness struct {
	T    testing.TB
	P    *core.Provider
	Type string
}

// URN returns a URN for name.
func (h Harness) URN(name string) string {
	return string(resource.NewURN("test", "proj", "", tokens.Type(h.Type), name))
}

// Marshal encodes properties keeping secrets/unknowns.
func Marshal(t testing.TB, m resource.PropertyMap) *structpb.Struct {
	s, err := plugin.MarshalProperties(m, plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true, SkipNulls: true})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Unmarshal decodes properties keeping secrets/unknowns.
func Unmarshal(t testing.TB, s *structpb.Struct) resource.PropertyMap {
	m, err := plugin.UnmarshalProperties(s, plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true, SkipNulls: true})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// Check runs Check and fails on failures unless allowFailures.
func (h Harness) Check(name string, news resource.PropertyMap) (resource.PropertyMap, []*pulumirpc.CheckFailure) {
	resp, err := h.P.Check(context.Background(), &pulumirpc.CheckRequest{Urn: h.URN(name), News: Marshal(h.T, news)})
	if err != nil {
		h.T.Fatal(err)
	}
	return Unmarshal(h.T, resp.Inputs), resp.Failures
}

// MustCheck runs Check and fails on any failure.
func (h Harness) MustCheck(name string, news resource.PropertyMap) resource.PropertyMap {
	h.T.Helper()
	c, f := h.Check(name, news)
	if len(f) > 0 {
		h.T.Fatalf("check failures: %v", f)
	}
	return c
}

// Create runs Create.
func (h Harness) Create(name string, news resource.PropertyMap, preview bool) (string, resource.PropertyMap, error) {
	resp, err := h.P.Create(context.Background(), &pulumirpc.CreateRequest{Urn: h.URN(name), Properties: Marshal(h.T, news), Preview: preview})
	if err != nil {
		return "", nil, err
	}
	return resp.Id, Unmarshal(h.T, resp.Properties), nil
}

// Diff runs Diff.
func (h Harness) Diff(name, id string, olds, news resource.PropertyMap) *pulumirpc.DiffResponse {
	resp, err := h.P.Diff(context.Background(), &pulumirpc.DiffRequest{Urn: h.URN(name), Id: id, Olds: Marshal(h.T, olds), News: Marshal(h.T, news), OldInputs: Marshal(h.T, news)})
	if err != nil {
		h.T.Fatal(err)
	}
	return resp
}

// Update runs Update.
func (h Harness) Update(name, id string, olds, news resource.PropertyMap, preview bool) (resource.PropertyMap, error) {
	resp, err := h.P.Update(context.Background(), &pulumirpc.UpdateRequest{Urn: h.URN(name), Id: id, Olds: Marshal(h.T, olds), News: Marshal(h.T, news), Preview: preview})
	if err != nil {
		return nil, err
	}
	return Unmarshal(h.T, resp.Properties), nil
}

// Read runs Read; id "" means gone.
func (h Harness) Read(name, id string, state resource.PropertyMap) (string, resource.PropertyMap, error) {
	resp, err := h.P.Read(context.Background(), &pulumirpc.ReadRequest{Urn: h.URN(name), Id: id, Properties: Marshal(h.T, state)})
	if err != nil {
		return "", nil, err
	}
	if resp.Id == "" {
		return "", nil, nil
	}
	return resp.Id, Unmarshal(h.T, resp.Properties), nil
}

// Delete runs Delete.
func (h Harness) Delete(name, id string, state resource.PropertyMap) error {
	_, err := h.P.Delete(context.Background(), &pulumirpc.DeleteRequest{Urn: h.URN(name), Id: id, Properties: Marshal(h.T, state)})
	return err
}

// P builds a PropertyMap from plain values.
func P(m map[string]any) resource.PropertyMap { return resource.NewPropertyMapFromMap(m) }
