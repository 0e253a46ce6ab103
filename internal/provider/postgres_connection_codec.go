package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// The model crosses the framework boundary as a types.Object, through the two functions below,
// instead of through Get and Set with the struct. The framework's struct reflection compiles a
// regular expression for every field on every call: with four such calls per resource in a plan,
// it was the largest cost of ours in a refresh of hundreds of connections (make bench).
// TestModelCodec checks these mappings against the framework's own, field by field.
//
// Measured (BenchmarkModelCodec): the framework's Get takes 174 µs and 1,284 allocations per call
// for this model, getModel 30 µs and 180; Set 250 µs and 2,090, setModel 64 µs and 473. The
// regular expressions come from the framework's reflection (hashicorp/terraform-plugin-framework
// issue #725): once a release fixes that, compare again with BenchmarkModelCodec and drop this
// codec if the framework is as fast, going back to req.Plan.Get(ctx, &model).

// The two lists, attributes and modelFromAttributes, are generated from the model's struct tags
// into postgres_connection_codec_lists.go (make generate; make docs-check fails when it is stale).
//go:generate go run ../cmd/integratorio-codecgen -type postgresConnectionModel -out postgres_connection_codec_lists.go

// modelSource is a configuration, plan or state.
type modelSource interface {
	Get(ctx context.Context, target any) diag.Diagnostics
}

// getModel reads a configuration, plan or state into the model.
func getModel(ctx context.Context, src modelSource) (postgresConnectionModel, diag.Diagnostics) {
	var obj types.Object
	diags := src.Get(ctx, &obj)
	if diags.HasError() {
		return postgresConnectionModel{}, diags
	}
	if obj.IsNull() || obj.IsUnknown() {
		diags.AddError("Value Conversion Error",
			"The provider received a null or unknown value for a whole integratorio_postgres_connection. "+
				"This is always an error in the provider; please report it.")
		return postgresConnectionModel{}, diags
	}
	return modelFromAttributes(obj.Attributes(), &diags), diags
}

// setModel writes the model into state.
func setModel(ctx context.Context, dst *tfsdk.State, m postgresConnectionModel) diag.Diagnostics {
	typ, ok := dst.Schema.Type().(attr.TypeWithAttributeTypes)
	if !ok {
		var diags diag.Diagnostics
		diags.AddError("Value Conversion Error", fmt.Sprintf("The resource schema's type %T has no attribute types. "+
			"This is always an error in the provider; please report it.", dst.Schema.Type()))
		return diags
	}
	obj, diags := types.ObjectValue(typ.AttributeTypes(), m.attributes())
	if diags.HasError() {
		return diags
	}
	return dst.Set(ctx, obj)
}

// attribute returns the named attribute as T, or T's zero value and an error when it is missing
// or of another type (a schema and model out of step).
func attribute[T attr.Value](a map[string]attr.Value, name string, diags *diag.Diagnostics) T {
	v, ok := a[name].(T)
	if !ok {
		var want T
		diags.AddError("Value Conversion Error", fmt.Sprintf("Attribute %q is %T, not %T. "+
			"This is always an error in the provider; please report it.", name, a[name], want))
	}
	return v
}
