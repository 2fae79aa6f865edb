// Package random implements random:index/randomPassword:RandomPassword and
// random:index/randomString:RandomString compatibly with pulumi-random 4.21.x
// (terraform-provider-random): every input replaces, Read keeps the state,
// the password's result and bcryptHash are secrets.
package random

import (
	"crypto/rand"
	"fmt"
	"math/big"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"golang.org/x/crypto/bcrypt"

	"github.com/switchyard/toolchain/providers/internal/core"
)

const (
	lowerChars   = "abcdefghijklmnopqrstuvwxyz"
	upperChars   = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	numChars     = "0123456789"
	specialChars = "!@#$%&*()-_=+[]{}<>:?"
)

// Fields are the inputs; all of them force a new resource upstream.
var Fields = []core.Field{
	{Name: "length", ForceNew: true},
	{Name: "keepers", ForceNew: true},
	{Name: "special", ForceNew: true, Default: true},
	{Name: "upper", ForceNew: true, Default: true},
	{Name: "lower", ForceNew: true, Default: true},
	{Name: "numeric", ForceNew: true, Default: true},
	{Name: "number", ForceNew: true, Default: true},
	{Name: "minLower", ForceNew: true, Default: 0.0},
	{Name: "minUpper", ForceNew: true, Default: 0.0},
	{Name: "minNumeric", ForceNew: true, Default: 0.0},
	{Name: "minSpecial", ForceNew: true, Default: 0.0},
	{Name: "overrideSpecial", ForceNew: true},
}

// Resource is RandomString (Password=false) or RandomPassword (Password=true).
type Resource struct{ Password bool }

// Params are the generation parameters.
type Params struct {
	Length                                     int
	Upper, Lower, Numeric, Special             bool
	MinUpper, MinLower, MinNumeric, MinSpecial int
	OverrideSpecial                            *string
}

func intOf(m resource.PropertyMap, k string, failures *[]core.CheckFailure, required bool) int {
	v, ok := m[resource.PropertyKey(k)]
	if !ok || v.IsNull() {
		if required {
			*failures = append(*failures, core.CheckFailure{Property: k, Reason: fmt.Sprintf("missing required property '%s'", k)})
		}
		return 0
	}
	p := core.Plain(v)
	if _, unk := p.(core.Unknown); unk {
		return 0
	}
	f, ok := p.(float64)
	if !ok || f != float64(int(f)) {
		*failures = append(*failures, core.CheckFailure{Property: k, Reason: fmt.Sprintf("%s must be an integer, got %v", k, p)})
		return 0
	}
	return int(f)
}

// Check fills defaults (both number and numeric, kept in sync as upstream does)
// and validates.
func (r Resource) Check(_ core.Ctx, _, news resource.PropertyMap) (resource.PropertyMap, []core.CheckFailure, error) {
	out := news.Copy()
	var failures []core.CheckFailure
	length := intOf(news, "length", &failures, true)
	for _, k := range []string{"special", "upper", "lower"} {
		if !core.Has(out, k) {
			out[resource.PropertyKey(k)] = resource.NewBoolProperty(true)
		}
	}
	// "number" is the deprecated alias of "numeric": false in either wins.
	if !core.IsUnknown(news, "number") && !core.IsUnknown(news, "numeric") {
		numeric := core.Bool(news, "numeric", true) && core.Bool(news, "number", true)
		out["numeric"] = resource.NewBoolProperty(numeric)
		out["number"] = resource.NewBoolProperty(numeric)
	}
	sum := 0
	for _, k := range []string{"minLower", "minUpper", "minNumeric", "minSpecial"} {
		n := intOf(news, k, &failures, false)
		if n < 0 {
			failures = append(failures, core.CheckFailure{Property: k, Reason: fmt.Sprintf("%s must be >= 0, got %d", k, n)})
		}
		sum += n
		if !core.Has(out, k) {
			out[resource.PropertyKey(k)] = resource.NewNumberProperty(0)
		}
	}
	if core.Has(news, "length") && !core.IsUnknown(news, "length") {
		if length < 1 {
			failures = append(failures, core.CheckFailure{Property: "length", Reason: fmt.Sprintf("length must be at least 1, got %d", length)})
		} else if length < sum {
			failures = append(failures, core.CheckFailure{Property: "length", Reason: fmt.Sprintf(
				"length (%d) must be at least the sum of minUpper + minLower + minNumeric + minSpecial (%d)", length, sum)})
		}
	}
	return out, failures, nil
}

// Diff: every input replaces.
func (r Resource) Diff(_ core.Ctx, _ string, olds, news, _ resource.PropertyMap) (core.DiffResult, error) {
	return core.DiffFields(Fields, olds, news), nil
}

// ParamsOf reads generation parameters from checked inputs.
func ParamsOf(m resource.PropertyMap) Params {
	p := Params{
		Length:     int(core.Num(m, "length", 0)),
		Upper:      core.Bool(m, "upper", true),
		Lower:      core.Bool(m, "lower", true),
		Numeric:    core.Bool(m, "numeric", true) && core.Bool(m, "number", true),
		Special:    core.Bool(m, "special", true),
		MinUpper:   int(core.Num(m, "minUpper", 0)),
		MinLower:   int(core.Num(m, "minLower", 0)),
		MinNumeric: int(core.Num(m, "minNumeric", 0)),
		MinSpecial: int(core.Num(m, "minSpecial", 0)),
	}
	if core.Has(m, "overrideSpecial") {
		s := core.Str(m, "overrideSpecial", "")
		p.OverrideSpecial = &s
	}
	return p
}

// Generate builds a random string: the minimum counts of each class first,
// then the rest from all enabled classes, then a crypto/rand shuffle.
func Generate(p Params) (string, error) {
	special := specialChars
	if p.OverrideSpecial != nil {
		special = *p.OverrideSpecial
	}
	all := ""
	type class struct {
		on    bool
		chars string
		min   int
		name  string
	}
	classes := []class{
		{p.Upper, upperChars, p.MinUpper, "upper"},
		{p.Lower, lowerChars, p.MinLower, "lower"},
		{p.Numeric, numChars, p.MinNumeric, "numeric"},
		{p.Special, special, p.MinSpecial, "special"},
	}
	var out []byte
	for _, c := range classes {
		if !c.on {
			continue
		}
		if c.chars == "" && c.min > 0 {
			return "", fmt.Errorf("min%s is %d but the %s character set is empty", c.name, c.min, c.name)
		}
		all += c.chars
		s, err := pick(c.chars, c.min)
		if err != nil {
			return "", err
		}
		out = append(out, s...)
	}
	if p.Length < 1 {
		return "", fmt.Errorf("length must be at least 1, got %d", p.Length)
	}
	if all == "" {
		return "", fmt.Errorf("no character set enabled: set at least one of upper, lower, numeric, special")
	}
	if len(out) > p.Length {
		return "", fmt.Errorf("length (%d) is smaller than the sum of the min* counts (%d)", p.Length, len(out))
	}
	rest, err := pick(all, p.Length-len(out))
	if err != nil {
		return "", err
	}
	out = append(out, rest...)
	// Fisher-Yates with crypto/rand
	for i := len(out) - 1; i > 0; i-- {
		j, err := rand.Int(rand.Reader, big.NewInt(int64(i+1)))
		if err != nil {
			return "", err
		}
		out[i], out[j.Int64()] = out[j.Int64()], out[i]
	}
	return string(out), nil
}

func pick(chars string, n int) ([]byte, error) {
	out := make([]byte, n)
	max := big.NewInt(int64(len(chars)))
	for i := range out {
		j, err := rand.Int(rand.Reader, max)
		if err != nil {
			return nil, err
		}
		out[i] = chars[j.Int64()]
	}
	return out, nil
}

// Create generates the value.
func (r Resource) Create(_ core.Ctx, news resource.PropertyMap, preview bool) (string, resource.PropertyMap, error) {
	outs := news.Copy()
	if preview {
		outs["result"] = core.Secretify(core.Computed(), r.Password)
		if r.Password {
			outs["bcryptHash"] = resource.MakeSecret(core.Computed())
		}
		return "", outs, nil
	}
	result, err := Generate(ParamsOf(news))
	if err != nil {
		return "", nil, err
	}
	outs["result"] = core.Secretify(resource.NewStringProperty(result), r.Password)
	id := result
	if r.Password {
		hash, err := bcrypt.GenerateFromPassword([]byte(result), bcrypt.DefaultCost)
		if err != nil {
			return "", nil, fmt.Errorf("bcrypt hash of the password: %w", err)
		}
		outs["bcryptHash"] = resource.MakeSecret(resource.NewStringProperty(string(hash)))
		id = "none"
	}
	return id, outs, nil
}

// Read keeps the state as is (nothing outside to drift).
func (r Resource) Read(_ core.Ctx, id string, state, inputs resource.PropertyMap) (string, resource.PropertyMap, resource.PropertyMap, error) {
	if len(inputs) == 0 {
		inputs = resource.PropertyMap{}
		for _, f := range Fields {
			if v, ok := state[resource.PropertyKey(f.Name)]; ok {
				inputs[resource.PropertyKey(f.Name)] = v
			}
		}
	}
	return id, state, inputs, nil
}

// Update is never planned (all inputs replace); it keeps the generated values.
func (r Resource) Update(_ core.Ctx, _ string, olds, news, _ resource.PropertyMap, _ bool) (resource.PropertyMap, error) {
	outs := news.Copy()
	for _, k := range []resource.PropertyKey{"result", "bcryptHash"} {
		if v, ok := olds[k]; ok {
			outs[k] = v
		}
	}
	return outs, nil
}

// Delete has nothing to do.
func (r Resource) Delete(core.Ctx, string, resource.PropertyMap) error { return nil }

// Resources maps type tokens to implementations.
func Resources() map[string]core.Resource {
	return map[string]core.Resource{
		"random:index/randomPassword:RandomPassword": Resource{Password: true},
		"random:index/randomString:RandomString":     Resource{Password: false},
	}
}
