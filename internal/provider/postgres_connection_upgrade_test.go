package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// The state of 0.1.0 (testdata/upgrade/state-0.1.0.json: two resources as 0.1.0 wrote them
// after an apply against the emulator, secrets and address replaced) and its schema
// (testdata/upgrade/schema-0.1.0.json: `terraform providers schema -json` of 0.1.0, descriptions
// removed). `make test-upgrade` proves the whole path with the real CLI; these prove the upgrader.

// upgradeV0 sends a resource's 0.1.0 state through the provider's UpgradeResourceState, as the CLI
// does, and returns the upgraded attributes.
func upgradeV0(t *testing.T, attributes json.RawMessage) map[string]tftypes.Value {
	t.Helper()
	server, err := providerserver.NewProtocol6WithError(New("test")())()
	if err != nil {
		t.Fatal(err)
	}
	resp, err := server.UpgradeResourceState(context.Background(), &tfprotov6.UpgradeResourceStateRequest{
		TypeName: "integratorio_postgres_connection", Version: 0, RawState: &tfprotov6.RawState{JSON: attributes},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range resp.Diagnostics {
		t.Errorf("upgrading the state of 0.1.0: %s: %s: %s", d.Severity, d.Summary, d.Detail)
	}
	if t.Failed() {
		t.FailNow()
	}
	var current resource.SchemaResponse
	(&postgresConnectionResource{}).Schema(context.Background(), resource.SchemaRequest{}, &current)
	upgraded, err := resp.UpgradedState.Unmarshal(current.Schema.Type().TerraformType(context.Background()))
	if err != nil {
		t.Fatalf("the upgraded state does not fit the current schema: %v", err)
	}
	var attrs map[string]tftypes.Value
	if err := upgraded.As(&attrs); err != nil {
		t.Fatal(err)
	}
	return attrs
}

func states010(t *testing.T) map[string]json.RawMessage {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "upgrade", "state-0.1.0.json"))
	if err != nil {
		t.Fatal(err)
	}
	var states map[string]json.RawMessage
	if err := json.Unmarshal(raw, &states); err != nil {
		t.Fatal(err)
	}
	return states
}

// Every attribute of 0.1.0 is carried as it was, except the one whose meaning changed;
// concurrency_level_in_force, new, is null until the next refresh.
func TestUpgradeState_fromV0(t *testing.T) {
	t.Parallel()
	states := states010(t)
	for _, tc := range []struct {
		resource string
		changed  map[string]tftypes.Value // what differs from the 0.1.0 state
	}{
		// No TLS: 0.1.0 stored ssl_verify_server_certificate = true; it is null without TLS now.
		{"plain", map[string]tftypes.Value{"ssl_verify_server_certificate": tftypes.NewValue(tftypes.Bool, nil)}},
		// TLS: the value configured (false) stands.
		{"tls", nil},
	} {
		t.Run(tc.resource, func(t *testing.T) {
			t.Parallel()
			var before map[string]any
			if err := json.Unmarshal(states[tc.resource], &before); err != nil {
				t.Fatal(err)
			}
			after := upgradeV0(t, states[tc.resource])
			if got := after["concurrency_level_in_force"]; !got.IsNull() {
				t.Errorf("concurrency_level_in_force = %s, want null until a refresh reads it", got)
			}
			for name := range before {
				got, ok := after[name]
				if !ok {
					t.Errorf("the upgraded state lost %s", name)
					continue
				}
				want, changed := tc.changed[name]
				if !changed {
					want = jsonValue(t, got.Type(), before[name])
				}
				if !got.Equal(want) {
					t.Errorf("%s = %s after the upgrade, want %s", name, got, want)
				}
			}
			for name := range after {
				if _, ok := before[name]; !ok && name != "concurrency_level_in_force" {
					t.Errorf("the upgrade adds %s, which neither 0.1.0 had nor this test expects", name)
				}
			}
		})
	}
}

// jsonValue is the value of one attribute of a state's JSON, read as type typ.
func jsonValue(t *testing.T, typ tftypes.Type, v any) tftypes.Value {
	t.Helper()
	raw, err := json.Marshal(map[string]any{"v": v})
	if err != nil {
		t.Fatal(err)
	}
	obj := tftypes.Object{AttributeTypes: map[string]tftypes.Type{"v": typ}}
	val, err := (&tfprotov6.RawState{JSON: raw}).UnmarshalWithOpts(obj, tfprotov6.UnmarshalOpts{})
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]tftypes.Value
	if err := val.As(&m); err != nil {
		t.Fatal(err)
	}
	return m["v"]
}

// ssl_verify_server_certificate is kept with TLS, whatever it holds.
func TestUpgradeState_fromV0KeepsVerifyWithTLS(t *testing.T) {
	t.Parallel()
	var tls map[string]any
	if err := json.Unmarshal(states010(t)["tls"], &tls); err != nil {
		t.Fatal(err)
	}
	for _, verify := range []bool{true, false} {
		tls["ssl_verify_server_certificate"] = verify
		raw, _ := json.Marshal(tls)
		if got := upgradeV0(t, raw)["ssl_verify_server_certificate"]; !got.Equal(tftypes.NewValue(tftypes.Bool, verify)) {
			t.Errorf("with use_ssl = true and ssl_verify_server_certificate = %v, the upgrade gives %s", verify, got)
		}
	}
}

// An upgrader that meets an attribute it was not written for fails, rather than dropping it.
func TestCarryAttributes_refusesWhatItCannotPlace(t *testing.T) {
	t.Parallel()
	typ := tftypes.Object{AttributeTypes: map[string]tftypes.Type{"a": tftypes.String}}
	if _, err := carryAttributes(typ, map[string]tftypes.Value{"a": tftypes.NewValue(tftypes.String, "x"), "gone": tftypes.NewValue(tftypes.Bool, true)}); err == nil ||
		!strings.Contains(err.Error(), "no attribute [gone]") {
		t.Errorf("an attribute the schema lacks: err = %v, want one naming it", err)
	}
	if _, err := carryAttributes(typ, map[string]tftypes.Value{"a": tftypes.NewValue(tftypes.Number, 1)}); err == nil ||
		!strings.Contains(err.Error(), "attribute a is a") {
		t.Errorf("an attribute of another type: err = %v, want one naming it", err)
	}
}

// The schema version has an upgrader from every earlier version.
func TestUpgradeState_fromEveryEarlierVersion(t *testing.T) {
	t.Parallel()
	var current resource.SchemaResponse
	(&postgresConnectionResource{}).Schema(context.Background(), resource.SchemaRequest{}, &current)
	if current.Schema.Version != connectionSchemaVersion {
		t.Fatalf("the schema's Version is %d, connectionSchemaVersion %d", current.Schema.Version, connectionSchemaVersion)
	}
	upgraders := (&postgresConnectionResource{}).UpgradeState(context.Background())
	for v := int64(0); v < connectionSchemaVersion; v++ {
		if u, ok := upgraders[v]; !ok || u.PriorSchema == nil || u.PriorSchema.Version != v {
			t.Errorf("no state upgrader from version %d with its prior schema", v)
		}
	}
	if len(upgraders) != int(connectionSchemaVersion) {
		t.Errorf("%d upgraders for version %d", len(upgraders), connectionSchemaVersion)
	}
}

// connectionSchemaV0 is the schema 0.1.0 published, attribute by attribute: types and flags.
func TestConnectionSchemaV0_is010(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile(filepath.Join("testdata", "upgrade", "schema-0.1.0.json"))
	if err != nil {
		t.Fatal(err)
	}
	var published struct {
		Version int64 `json:"version"`
		Block   struct {
			Attributes map[string]publishedAttribute `json:"attributes"`
		} `json:"block"`
	}
	if err := json.Unmarshal(raw, &published); err != nil {
		t.Fatal(err)
	}
	v0 := connectionSchemaV0()
	if v0.Version != published.Version {
		t.Errorf("version %d, 0.1.0 published %d", v0.Version, published.Version)
	}
	compareAttributes(t, "", v0.Attributes, published.Block.Attributes)
}

type publishedAttribute struct {
	Type       json.RawMessage `json:"type"`
	NestedType *struct {
		Attributes  map[string]publishedAttribute `json:"attributes"`
		NestingMode string                        `json:"nesting_mode"`
	} `json:"nested_type"`
	Optional  bool `json:"optional"`
	Computed  bool `json:"computed"`
	Required  bool `json:"required"`
	Sensitive bool `json:"sensitive"`
	WriteOnly bool `json:"write_only"`
}

func compareAttributes(t *testing.T, prefix string, ours map[string]schema.Attribute, theirs map[string]publishedAttribute) {
	t.Helper()
	var names []string
	for name := range theirs {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		want := theirs[name]
		got, ok := ours[name]
		if !ok {
			t.Errorf("%s%s: in 0.1.0, missing from connectionSchemaV0", prefix, name)
			continue
		}
		flags := func(optional, computed, required, sensitive, writeOnly bool) [5]bool {
			return [5]bool{optional, computed, required, sensitive, writeOnly}
		}
		if g, w := flags(got.IsOptional(), got.IsComputed(), got.IsRequired(), got.IsSensitive(), got.IsWriteOnly()),
			flags(want.Optional, want.Computed, want.Required, want.Sensitive, want.WriteOnly); g != w {
			t.Errorf("%s%s: optional, computed, required, sensitive, write-only = %v, 0.1.0 had %v", prefix, name, g, w)
		}
		if want.NestedType != nil {
			nested, ok := got.(schema.SingleNestedAttribute)
			if !ok || want.NestedType.NestingMode != "single" {
				t.Errorf("%s%s: a %s nested attribute in 0.1.0, %T here", prefix, name, want.NestedType.NestingMode, got)
				continue
			}
			compareAttributes(t, prefix+name+".", nested.Attributes, want.NestedType.Attributes)
			continue
		}
		// Both in the JSON the CLI prints a type in ("string", ["map","string"]).
		gotType, err := json.Marshal(got.GetType().TerraformType(context.Background()))
		if err != nil {
			t.Fatal(err)
		}
		var wantType bytes.Buffer
		if err := json.Compact(&wantType, want.Type); err != nil {
			t.Fatalf("%s%s: %v", prefix, name, err)
		}
		if string(gotType) != wantType.String() {
			t.Errorf("%s%s: type %s, 0.1.0 had %s", prefix, name, gotType, wantType.String())
		}
	}
	for name := range ours {
		if _, ok := theirs[name]; !ok {
			t.Errorf("%s%s: in connectionSchemaV0, not in 0.1.0", prefix, name)
		}
	}
}
