package provider

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

func connectionSchemaForTest(t testing.TB) tfsdk.State {
	t.Helper()
	var resp resource.SchemaResponse
	NewPostgresConnectionResource().Schema(context.Background(), resource.SchemaRequest{}, &resp)
	if resp.Diagnostics.HasError() {
		t.Fatalf("schema: %v", resp.Diagnostics)
	}
	return tfsdk.State{Schema: resp.Schema}
}

// codecCases are models (with values that differ between attributes of one type, so that a
// mix-up shows), as a configuration, plan or state can hold them: everything set (write-only
// values included, as in a configuration), the least a configuration sets, and values unknown at
// plan time.
func codecCases() map[string]postgresConnectionModel {
	checkTypes := map[string]attr.Type{"direct": types.BoolType, "via_api": types.BoolType, "timeout": types.StringType}
	timeoutTypes := map[string]attr.Type{"create": types.StringType, "update": types.StringType, "delete": types.StringType}

	full := benchModel(benchPEM{CA: "ca", Cert: "cert", Key: "key"})
	full.PasswordWO = types.StringValue("write-only-password")
	full.PasswordWOVersion = types.Int64Value(3)
	full.SSLKeyWO = types.StringValue("write-only-key")
	full.SSLPassphraseWO = types.StringValue("write-only-passphrase")
	full.SSLKeyWOVersion = types.Int64Value(7)
	full.SSLPassphrase = types.StringValue("passphrase")
	full.SSLVerifyServerCertificate = types.BoolValue(false) // unlike use_ssl, so a swap shows
	full.AgentID = types.StringValue("0123456789abcdef0123abcd")
	full.BorrowConcurrencyFrom = types.StringValue("0123456789abcdef0123ffff")
	full.ConnectivityCheck = types.ObjectValueMust(checkTypes, map[string]attr.Value{
		"direct": types.BoolValue(false), "via_api": types.BoolValue(true), "timeout": types.StringValue("45s"),
	})
	full.Timeouts = timeouts.Value{Object: types.ObjectValueMust(timeoutTypes, map[string]attr.Value{
		"create": types.StringValue("10m"), "update": types.StringNull(), "delete": types.StringValue("1m"),
	})}

	least := postgresConnectionModel{
		ID: types.StringNull(), Name: types.StringValue("n"), Mode: types.StringNull(), AgentID: types.StringNull(),
		Host: types.StringValue("h"), Port: types.Int64Null(), Database: types.StringValue("d"), Username: types.StringValue("u"),
		Password: types.StringNull(), PasswordWO: types.StringNull(), PasswordWOVersion: types.Int64Null(),
		UseSSL: types.BoolNull(), SSLCA: types.StringNull(), SSLCertificate: types.StringNull(), SSLKey: types.StringNull(),
		SSLPassphrase: types.StringNull(), SSLKeyWO: types.StringNull(), SSLPassphraseWO: types.StringNull(),
		SSLKeyWOVersion: types.Int64Null(), SSLVerifyServerCertificate: types.BoolNull(), ConcurrencyLevel: types.Int64Null(),
		BorrowConcurrencyFrom: types.StringNull(), Properties: types.MapNull(types.StringType), Offline: types.BoolNull(),
		ConnectivityCheck: types.ObjectNull(checkTypes), Timeouts: timeouts.Value{Object: types.ObjectNull(timeoutTypes)},
	}

	unknown := least
	unknown.ID, unknown.Host, unknown.Port = types.StringUnknown(), types.StringUnknown(), types.Int64Unknown()
	unknown.Properties, unknown.Offline = types.MapUnknown(types.StringType), types.BoolUnknown()
	unknown.ConnectivityCheck = types.ObjectUnknown(checkTypes)

	return map[string]postgresConnectionModel{"full": full, "least": least, "unknown": unknown}
}

// TestModelCodec checks getModel and setModel against the framework's struct reflection, which
// they replace: the same model from the same value, and the same value from the same model.
func TestModelCodec(t *testing.T) {
	ctx := context.Background()
	for name, model := range codecCases() {
		t.Run(name, func(t *testing.T) {
			reference := connectionSchemaForTest(t)
			if diags := reference.Set(ctx, &model); diags.HasError() {
				t.Fatalf("framework Set: %v", diags)
			}

			ours := connectionSchemaForTest(t)
			if diags := setModel(ctx, &ours, model); diags.HasError() {
				t.Fatalf("setModel: %v", diags)
			}
			if !ours.Raw.Equal(reference.Raw) {
				t.Errorf("setModel wrote\n%s\nthe framework writes\n%s", ours.Raw, reference.Raw)
			}

			var want postgresConnectionModel
			if diags := reference.Get(ctx, &want); diags.HasError() {
				t.Fatalf("framework Get: %v", diags)
			}
			got, diags := getModel(ctx, reference)
			if diags.HasError() {
				t.Fatalf("getModel: %v", diags)
			}
			gotAttrs, wantAttrs := got.attributes(), want.attributes()
			for attrName, w := range wantAttrs {
				if g := gotAttrs[attrName]; !g.Equal(w) {
					t.Errorf("%s: getModel read %s, the framework reads %s", attrName, g, w)
				}
			}
		})
	}
}

// TestModelCodec_coversEveryAttribute fails when a field or schema attribute is added without
// adding it to attributes() and modelFromAttributes.
func TestModelCodec_coversEveryAttribute(t *testing.T) {
	schemaAttrs := connectionSchemaForTest(t).Schema.GetAttributes()
	modelAttrs := postgresConnectionModel{}.attributes()
	typ := reflect.TypeOf(postgresConnectionModel{})
	if typ.NumField() != len(modelAttrs) || len(schemaAttrs) != len(modelAttrs) {
		t.Fatalf("the model has %d fields, attributes() names %d, the schema has %d", typ.NumField(), len(modelAttrs), len(schemaAttrs))
	}
	for i := range typ.NumField() {
		tag := typ.Field(i).Tag.Get("tfsdk")
		if _, ok := modelAttrs[tag]; !ok {
			t.Errorf("field %s (%q) is missing from attributes()", typ.Field(i).Name, tag)
		}
		if _, ok := schemaAttrs[tag]; !ok {
			t.Errorf("field %s (%q) is not a schema attribute", typ.Field(i).Name, tag)
		}
	}
}

func TestModelCodec_errors(t *testing.T) {
	ctx := context.Background()
	null := connectionSchemaForTest(t)
	null.Raw = tftypes.NewValue(null.Schema.Type().TerraformType(ctx), nil)
	if _, diags := getModel(ctx, null); !diags.HasError() || !strings.Contains(diags[0].Detail(), "null or unknown value for a whole") {
		t.Errorf("getModel of a null object: %v, want an error naming a null or unknown value", diags)
	}

	var mistyped diag.Diagnostics
	modelFromAttributes(map[string]attr.Value{"id": types.Int64Value(1)}, &mistyped)
	if !mistyped.HasError() || !strings.Contains(mistyped[0].Detail(), `Attribute "id" is basetypes.Int64Value, not basetypes.StringValue`) {
		t.Errorf("a mistyped attribute: %v, want an error naming it", mistyped)
	}
}

// BenchmarkModelCodec compares getModel and setModel with the framework's struct reflection they
// replace, on a fully set model (run once per resource per call in every plan).
func BenchmarkModelCodec(b *testing.B) {
	ctx := context.Background()
	model := codecCases()["full"]
	state := connectionSchemaForTest(b)
	if diags := state.Set(ctx, &model); diags.HasError() {
		b.Fatal(diags)
	}
	b.Run("get/struct-reflection", func(b *testing.B) {
		for b.Loop() {
			var m postgresConnectionModel
			if diags := state.Get(ctx, &m); diags.HasError() {
				b.Fatal(diags)
			}
		}
	})
	b.Run("get/getModel", func(b *testing.B) {
		for b.Loop() {
			if _, diags := getModel(ctx, state); diags.HasError() {
				b.Fatal(diags)
			}
		}
	})
	// The two lists alone, without the framework's Get and Set around them.
	b.Run("lists/attributes", func(b *testing.B) {
		for b.Loop() {
			_ = model.attributes()
		}
	})
	b.Run("lists/modelFromAttributes", func(b *testing.B) {
		a := model.attributes()
		for b.Loop() {
			var diags diag.Diagnostics
			if _ = modelFromAttributes(a, &diags); diags.HasError() {
				b.Fatal(diags)
			}
		}
	})
	b.Run("set/struct-reflection", func(b *testing.B) {
		for b.Loop() {
			dst := tfsdk.State{Schema: state.Schema}
			if diags := dst.Set(ctx, &model); diags.HasError() {
				b.Fatal(diags)
			}
		}
	})
	b.Run("set/setModel", func(b *testing.B) {
		for b.Loop() {
			dst := tfsdk.State{Schema: state.Schema}
			if diags := setModel(ctx, &dst, model); diags.HasError() {
				b.Fatal(diags)
			}
		}
	})
}
