package random

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"golang.org/x/crypto/bcrypt"

	"github.com/switchyard/toolchain/providers/internal/core"
	"github.com/switchyard/toolchain/providers/internal/testutil"
)

func harness(t *testing.T, typ string) testutil.Harness {
	return testutil.Harness{T: t, P: core.New("random", "4.21.2", Resources()), Type: typ}
}

const pw = "random:index/randomPassword:RandomPassword"
const str = "random:index/randomString:RandomString"

func TestGenerateRespectsClassesAndMinimums(t *testing.T) {
	for i := 0; i < 200; i++ {
		s, err := Generate(Params{Length: 12, Upper: true, Lower: true, Numeric: true, Special: false, MinUpper: 3, MinNumeric: 4})
		if err != nil {
			t.Fatal(err)
		}
		if len(s) != 12 {
			t.Fatalf("length %d", len(s))
		}
		up, num := 0, 0
		for _, c := range s {
			switch {
			case strings.ContainsRune(upperChars, c):
				up++
			case strings.ContainsRune(numChars, c):
				num++
			case strings.ContainsRune(lowerChars, c):
			default:
				t.Fatalf("unexpected char %q in %q", c, s)
			}
		}
		if up < 3 || num < 4 {
			t.Fatalf("%q: upper %d numeric %d", s, up, num)
		}
	}
	o := "#"
	s, _ := Generate(Params{Length: 30, Special: true, OverrideSpecial: &o})
	if s != strings.Repeat("#", 30) {
		t.Fatalf("overrideSpecial only: %q", s)
	}
	if _, err := Generate(Params{Length: 5}); err == nil {
		t.Fatal("no class enabled must fail")
	}
	a, _ := Generate(Params{Length: 32, Lower: true})
	b, _ := Generate(Params{Length: 32, Lower: true})
	if a == b {
		t.Fatal("two generations are equal")
	}
}

func TestCheckDefaultsAndValidation(t *testing.T) {
	h := harness(t, pw)
	c := h.MustCheck("p", testutil.P(map[string]any{"length": 16, "number": false}))
	for k, want := range map[string]any{"special": true, "upper": true, "lower": true, "numeric": false, "number": false, "minSpecial": 0.0} {
		if got := core.Plain(c[resource.PropertyKey(k)]); got != want {
			t.Errorf("%s = %v, want %v", k, got, want)
		}
	}
	_, f := h.Check("p", testutil.P(map[string]any{"length": 3, "minUpper": 2, "minNumeric": 2}))
	if len(f) != 1 || f[0].Property != "length" {
		t.Fatalf("want a length failure, got %v", f)
	}
	_, f = h.Check("p", testutil.P(map[string]any{}))
	if len(f) != 1 || !strings.Contains(f[0].Reason, "missing required property 'length'") {
		t.Fatalf("got %v", f)
	}
}

func TestPasswordIsSecretAndHashMatches(t *testing.T) {
	h := harness(t, pw)
	in := h.MustCheck("p", testutil.P(map[string]any{"length": 20, "special": false}))
	id, outs, err := h.Create("p", in, false)
	if err != nil {
		t.Fatal(err)
	}
	if id != "none" {
		t.Errorf("password id = %q, want none", id)
	}
	if !outs["result"].IsSecret() || !outs["bcryptHash"].IsSecret() {
		t.Fatal("result and bcryptHash must be secret")
	}
	res := outs["result"].SecretValue().Element.StringValue()
	if len(res) != 20 {
		t.Fatalf("result %q", res)
	}
	hash := outs["bcryptHash"].SecretValue().Element.StringValue()
	if bcrypt.CompareHashAndPassword([]byte(hash), []byte(res)) != nil {
		t.Fatal("bcryptHash does not match result")
	}
	// preview: unknown, still secret
	_, pouts, err := h.Create("p", in, true)
	if err != nil {
		t.Fatal(err)
	}
	if !pouts["result"].IsSecret() || !pouts["result"].SecretValue().Element.IsComputed() {
		t.Fatalf("preview result = %v", pouts["result"])
	}
	// read keeps everything
	rid, routs, err := h.Read("p", id, outs)
	if err != nil || rid != id || !routs["result"].DeepEquals(outs["result"]) {
		t.Fatalf("read changed the state: %v %v", rid, err)
	}
}

func TestStringIsNotSecretUnlessInputsAre(t *testing.T) {
	h := harness(t, str)
	in := h.MustCheck("s", testutil.P(map[string]any{"length": 8}))
	id, outs, err := h.Create("s", in, false)
	if err != nil {
		t.Fatal(err)
	}
	if outs["result"].IsSecret() || id != outs["result"].StringValue() {
		t.Fatalf("string result must be plain and equal to the id: %v %v", id, outs["result"])
	}
	in2 := in.Copy()
	in2["keepers"] = resource.MakeSecret(resource.NewObjectProperty(resource.PropertyMap{"k": resource.NewStringProperty("v")}))
	_, outs2, _ := h.Create("s", in2, false)
	if !outs2["keepers"].IsSecret() {
		t.Fatal("secret keepers must stay secret in the state")
	}
}

func TestDiffEveryInputReplaces(t *testing.T) {
	h := harness(t, pw)
	base := h.MustCheck("p", testutil.P(map[string]any{"length": 16, "keepers": map[string]any{"v": "1"}}))
	_, state, _ := h.Create("p", base, false)
	cases := []struct {
		name    string
		change  map[string]any
		replace []string
	}{
		{"same", nil, nil},
		{"length", map[string]any{"length": 17}, []string{"length"}},
		{"keepers", map[string]any{"keepers": map[string]any{"v": "2"}}, []string{"keepers"}},
		{"special", map[string]any{"special": false}, []string{"special"}},
		{"explicit default is no change", map[string]any{"upper": true}, nil},
		{"minUpper", map[string]any{"minUpper": 2}, []string{"minUpper"}},
		{"overrideSpecial", map[string]any{"overrideSpecial": "!"}, []string{"overrideSpecial"}},
		{"numeric via number", map[string]any{"number": false}, []string{"number", "numeric"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			raw := testutil.P(map[string]any{"length": 16, "keepers": map[string]any{"v": "1"}})
			for k, v := range tc.change {
				raw[resource.PropertyKey(k)] = resource.NewPropertyValue(v)
			}
			news := h.MustCheck("p", raw)
			d := h.Diff("p", "none", state, news)
			if strings.Join(d.Replaces, ",") != strings.Join(tc.replace, ",") {
				t.Fatalf("replaces = %v, want %v", d.Replaces, tc.replace)
			}
		})
	}
	// an unknown keeper (preview) is a replacement
	raw := base.Copy()
	raw["keepers"] = resource.MakeComputed(resource.NewStringProperty(""))
	if d := h.Diff("p", "none", state, raw); len(d.Replaces) != 1 {
		t.Fatalf("unknown keepers: %v", d.Replaces)
	}
}
