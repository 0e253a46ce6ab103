package provider

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// changed returns a value of v's type that differs from v, or false for a type this test does
// not know how to change (so that a new kind of attribute fails loudly).
func changed(v attr.Value) (attr.Value, bool) {
	switch v := v.(type) {
	case types.String:
		return types.StringValue(v.ValueString() + "-changed"), true
	case types.Int64:
		return types.Int64Value(v.ValueInt64() + 1), true
	case types.Bool:
		return types.BoolValue(!v.ValueBool()), true
	case types.Map:
		return types.MapValueMust(types.StringType, map[string]attr.Value{"changed": types.StringValue("1")}), true
	case types.Object:
		return types.ObjectNull(v.AttributeTypes(context.Background())), true
	case timeouts.Value:
		return timeouts.Value{Object: types.ObjectNull(v.AttributeTypes(context.Background()))}, true
	}
	return nil, false
}

// withChange returns m with one attribute changed.
func withChange(t *testing.T, m postgresConnectionModel, name string) postgresConnectionModel {
	t.Helper()
	attrs := m.attributes()
	v, ok := changed(attrs[name])
	if !ok {
		t.Fatalf("attribute %s is of a type (%T) this test cannot change: teach changed() about it", name, attrs[name])
	}
	attrs[name] = v
	var diags diag.Diagnostics
	out := modelFromAttributes(attrs, &diags)
	if diags.HasError() {
		t.Fatalf("%s: %v", name, diags)
	}
	return out
}

// Every schema attribute either decides whether the connection works (a change runs the checks
// and the test after the save) or is named in notConnectionSettings with the reason.
func TestConnectionSettingsChanged(t *testing.T) {
	t.Parallel()
	schemaAttrs := connectionSchemaForTest(t).Schema.GetAttributes()
	for name := range notConnectionSettings {
		if _, ok := schemaAttrs[name]; !ok {
			t.Errorf("notConnectionSettings names %q, which is not a schema attribute", name)
		}
	}
	state := codecCases()["full"]
	if connectionSettingsChanged(state, state) {
		t.Fatal("an unchanged model counts as changed")
	}
	for name := range schemaAttrs {
		_, exempt := notConnectionSettings[name]
		if got := connectionSettingsChanged(withChange(t, state, name), state); got == exempt {
			t.Errorf("changing %s: connectionSettingsChanged = %t, want %t", name, got, !exempt)
		}
	}
}

// notSentAttributes are the attributes that are not a field of the connection document, or share
// one with another attribute that the API's errors are reported on.
var notSentAttributes = map[string]string{
	"id":                         "the document's _id, which the API never blames",
	"mode":                       "sent as whether _agentId is set: errors on _agentId go to agent_id",
	"offline":                    "set by integrator.io",
	"concurrency_level_in_force": "set by integrator.io",
	"connectivity_check":         "not sent",
	"timeouts":                   "not sent",
	"password_wo":                "sent as rdbms.password, whose errors go to password",
	"password_wo_version":        "not sent",
	"ssl_key_wo":                 "sent as rdbms.ssl.key, whose errors go to ssl_key",
	"ssl_passphrase_wo":          "sent as rdbms.ssl.passphrase, whose errors go to ssl_passphrase",
	"ssl_key_wo_version":         "not sent",
}

// Every attribute sent in the document has the document field the API names in its errors, so a
// rejection shows on the attribute at fault.
func TestAPIFieldAttributes_coverEverySentAttribute(t *testing.T) {
	t.Parallel()
	schemaAttrs := connectionSchemaForTest(t).Schema.GetAttributes()
	mapped := map[string]bool{}
	for field, name := range apiFieldAttributes {
		if _, ok := schemaAttrs[name]; !ok {
			t.Errorf("apiFieldAttributes maps %s to %q, which is not a schema attribute", field, name)
		}
		mapped[name] = true
	}
	for name := range schemaAttrs {
		_, notSent := notSentAttributes[name]
		switch {
		case notSent && mapped[name]:
			t.Errorf("%s is both mapped from an API field and listed as not sent", name)
		case !notSent && !mapped[name]:
			t.Errorf("%s is sent to integrator.io but no API field maps to it: add it to apiFieldAttributes or notSentAttributes", name)
		}
	}
}
