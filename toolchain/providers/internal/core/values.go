package core

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// Unknown is what Plain returns for an unknown (computed) value.
type Unknown struct{}

// Plain turns a property value into plain Go values (string, float64, bool,
// []any, map[string]any, nil), dropping secret markers. Unknowns become Unknown{}.
func Plain(v resource.PropertyValue) any {
	switch {
	case v.IsNull():
		return nil
	case v.IsComputed():
		return Unknown{}
	case v.IsOutput():
		o := v.OutputValue()
		if !o.Known {
			return Unknown{}
		}
		return Plain(o.Element)
	case v.IsSecret():
		return Plain(v.SecretValue().Element)
	case v.IsString():
		return v.StringValue()
	case v.IsNumber():
		return v.NumberValue()
	case v.IsBool():
		return v.BoolValue()
	case v.IsArray():
		arr := v.ArrayValue()
		out := make([]any, len(arr))
		for i, e := range arr {
			out[i] = Plain(e)
		}
		return out
	case v.IsObject():
		return PlainMap(v.ObjectValue())
	case v.IsResourceReference():
		r := v.ResourceReferenceValue()
		if id, ok := r.ID.V.(string); ok && r.ID.IsString() {
			return id
		}
		return string(r.URN)
	}
	return v.V
}

// PlainMap is Plain for a map; null values are dropped.
func PlainMap(m resource.PropertyMap) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		if v.IsNull() {
			continue
		}
		out[string(k)] = Plain(v)
	}
	return out
}

// ContainsUnknowns reports whether a plain value holds an Unknown anywhere.
func ContainsUnknowns(v any) bool {
	switch x := v.(type) {
	case Unknown:
		return true
	case []any:
		for _, e := range x {
			if ContainsUnknowns(e) {
				return true
			}
		}
	case map[string]any:
		for _, e := range x {
			if ContainsUnknowns(e) {
				return true
			}
		}
	}
	return false
}

// AnySecret reports whether any value of the map is (or holds) a secret.
func AnySecret(m resource.PropertyMap) bool {
	for _, v := range m {
		if v.ContainsSecrets() {
			return true
		}
	}
	return false
}

// Decode converts a property map into a Go struct through JSON (secret
// markers dropped). Unknown values must have been rejected before.
func Decode(m resource.PropertyMap, out any) error {
	b, err := json.Marshal(jsonable(PlainMap(m)))
	if err != nil {
		return err
	}
	return json.Unmarshal(b, out)
}

func jsonable(v any) any {
	switch x := v.(type) {
	case Unknown:
		return nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = jsonable(e)
		}
		return out
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			out[k] = jsonable(e)
		}
		return out
	}
	return v
}

// Equal compares two property values semantically (secrets ignored, null ==
// missing).
func Equal(a, b resource.PropertyValue) bool {
	return reflect.DeepEqual(normalize(Plain(a)), normalize(Plain(b)))
}

func normalize(v any) any {
	switch x := v.(type) {
	case []any:
		if len(x) == 0 {
			return nil
		}
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalize(e)
		}
		return out
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			if n := normalize(e); n != nil {
				out[k] = n
			}
		}
		if len(out) == 0 {
			return nil
		}
		return out
	case int:
		return float64(x)
	}
	return v
}

// Field describes how one top-level input behaves in Diff, as the upstream
// schema declares it.
type Field struct {
	Name     string
	ForceNew bool // a change replaces the resource
	Default  any  // value assumed when the input is missing
	Computed bool // optional+computed: a missing input never diffs
	Set      bool // a list whose order does not matter
}

// DiffResult is the outcome of a Diff.
type DiffResult struct {
	Changed             []string
	Replaces            []string
	DeleteBeforeReplace bool
	Detailed            map[string]pulumirpc.PropertyDiff_Kind
}

// Proto converts to the wire form.
func (d DiffResult) Proto() *pulumirpc.DiffResponse {
	resp := &pulumirpc.DiffResponse{
		Changes:             pulumirpc.DiffResponse_DIFF_NONE,
		Replaces:            d.Replaces,
		Diffs:               d.Changed,
		DeleteBeforeReplace: d.DeleteBeforeReplace,
		HasDetailedDiff:     true,
		DetailedDiff:        map[string]*pulumirpc.PropertyDiff{},
	}
	if len(d.Changed) > 0 {
		resp.Changes = pulumirpc.DiffResponse_DIFF_SOME
	}
	for k, kind := range d.Detailed {
		resp.DetailedDiff[k] = &pulumirpc.PropertyDiff{Kind: kind, InputDiff: true}
	}
	return resp
}

// HasChanges reports whether anything changed.
func (d DiffResult) HasChanges() bool { return len(d.Changed) > 0 }

// DiffFields compares the old state with new inputs field by field.
func DiffFields(fields []Field, olds, news resource.PropertyMap) DiffResult {
	res := DiffResult{Detailed: map[string]pulumirpc.PropertyDiff_Kind{}}
	for _, f := range fields {
		k := resource.PropertyKey(f.Name)
		nv, nok := news[k]
		ov, ook := olds[k]
		if !nok || nv.IsNull() {
			if f.Computed {
				continue
			}
		}
		n := plainOr(nv, nok, f.Default)
		o := plainOr(ov, ook, f.Default)
		if ContainsUnknowns(n) {
			// an unknown new value may change: bridged providers plan it as a change
		} else {
			if f.Set {
				n, o = sortSet(n), sortSet(o)
			}
			if reflect.DeepEqual(normalize(n), normalize(o)) {
				continue
			}
		}
		res.Changed = append(res.Changed, f.Name)
		kind := pulumirpc.PropertyDiff_UPDATE
		switch {
		case normalize(o) == nil:
			kind = pulumirpc.PropertyDiff_ADD
		case normalize(n) == nil:
			kind = pulumirpc.PropertyDiff_DELETE
		}
		if f.ForceNew {
			res.Replaces = append(res.Replaces, f.Name)
			kind += 1 // ADD_REPLACE, DELETE_REPLACE, UPDATE_REPLACE follow their kind
		}
		res.Detailed[f.Name] = kind
	}
	sort.Strings(res.Changed)
	sort.Strings(res.Replaces)
	return res
}

func plainOr(v resource.PropertyValue, ok bool, def any) any {
	if !ok || v.IsNull() {
		return def
	}
	return Plain(v)
}

func sortSet(v any) any {
	arr, ok := v.([]any)
	if !ok {
		return v
	}
	keys := make([]string, len(arr))
	idx := make([]int, len(arr))
	for i, e := range arr {
		b, _ := json.Marshal(jsonable(normalize(sortNested(e))))
		keys[i] = string(b)
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return keys[idx[a]] < keys[idx[b]] })
	out := make([]any, len(arr))
	for i, j := range idx {
		out[i] = sortNested(arr[j])
	}
	return out
}

// sortNested sorts lists nested in set elements (e.g. aliases), which the
// upstream schema declares as sets too.
func sortNested(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	out := map[string]any{}
	for k, e := range m {
		if arr, ok := e.([]any); ok {
			out[k] = sortSet(arr)
		} else {
			out[k] = e
		}
	}
	return out
}

// Props builds a PropertyMap from plain values (nil values are skipped).
func Props(m map[string]any) resource.PropertyMap {
	out := resource.PropertyMap{}
	for k, v := range m {
		if v == nil {
			continue
		}
		out[resource.PropertyKey(k)] = resource.NewPropertyValue(v)
	}
	return out
}

// Computed is an unknown output value for previews.
func Computed() resource.PropertyValue {
	return resource.MakeComputed(resource.NewStringProperty(""))
}

// Secretify wraps v in a secret when secret is true.
func Secretify(v resource.PropertyValue, secret bool) resource.PropertyValue {
	if secret && !v.IsSecret() {
		return resource.MakeSecret(v)
	}
	return v
}

// Str returns the string at key (secret markers dropped), or def.
func Str(m resource.PropertyMap, key, def string) string {
	if v, ok := m[resource.PropertyKey(key)]; ok {
		if s, ok := Plain(v).(string); ok {
			return s
		}
	}
	return def
}

// Bool returns the bool at key, or def.
func Bool(m resource.PropertyMap, key string, def bool) bool {
	if v, ok := m[resource.PropertyKey(key)]; ok {
		if b, ok := Plain(v).(bool); ok {
			return b
		}
	}
	return def
}

// Num returns the number at key, or def.
func Num(m resource.PropertyMap, key string, def float64) float64 {
	if v, ok := m[resource.PropertyKey(key)]; ok {
		if f, ok := Plain(v).(float64); ok {
			return f
		}
	}
	return def
}

// Has reports whether key is present and not null.
func Has(m resource.PropertyMap, key string) bool {
	v, ok := m[resource.PropertyKey(key)]
	return ok && !v.IsNull()
}

// IsUnknown reports whether the value at key is (or holds) an unknown.
func IsUnknown(m resource.PropertyMap, key string) bool {
	v, ok := m[resource.PropertyKey(key)]
	return ok && ContainsUnknowns(Plain(v))
}

// Errorf is fmt.Errorf, for symmetry.
func Errorf(format string, args ...any) error { return fmt.Errorf(format, args...) }
