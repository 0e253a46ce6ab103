package provider

import (
	"context"
	"fmt"
	"slices"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/attr/xattr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// The two other calls of a refresh: Terraform validates every resource's configuration
// (ValidateResourceConfig, once in the validate walk and once per instance in the plan) and hands
// every stored state to the provider to upgrade (UpgradeResourceState, also when its schema version
// is the current one). Through the framework, each costs about as much as a read: the validation
// looks up every attribute's value by walking the schema from the root (fwschemadata.Data.ValueAtPath
// rebuilds the schema's attribute map at each step), and the upgrade converts its result through
// the framework's own types. The fast path does the same work directly on the decoded value, with
// the same validators, and declines whatever it does not reproduce.
//
// Like the rest of the fast path, each answer must be the framework's (v1.19) for the same
// request, and TestRefreshFastPath_validateAnswersAsTheFramework and
// TestRefreshFastPath_upgradeAnswersAsTheFramework fail the day it is not; make testacc compares
// every call of the acceptance suites in verify mode.

// FastValidateResourceConfig answers a ValidateResourceConfig of integratorio_postgres_connection,
// or returns false for the framework to answer it.
func (p *integratorioProvider) FastValidateResourceConfig(ctx context.Context, req *tfprotov6.ValidateResourceConfigRequest) (*tfprotov6.ValidateResourceConfigResponse, bool) {
	return p.fast.validateResourceConfig(ctx, req)
}

// FastUpgradeResourceState answers an UpgradeResourceState of integratorio_postgres_connection
// state at the current schema version, or returns false for the framework to answer it.
func (p *integratorioProvider) FastUpgradeResourceState(ctx context.Context, req *tfprotov6.UpgradeResourceStateRequest) (*tfprotov6.UpgradeResourceStateResponse, bool) {
	return p.fast.upgradeResourceState(ctx, req)
}

// upgradeResourceState is fwserver.UpgradeResourceState's passthrough for state at the current
// version (internal/fwserver/server_upgraderesourcestate.go): the stored JSON decoded with the
// schema's type, attributes the schema no longer has ignored, and encoded as toproto6.State does.
// That also runs ReifyNullCollectionBlocks, which changes nothing in a schema without blocks
// (schemaValidatable). Older versions go to the framework and the state upgraders.
func (f *refreshFastPath) upgradeResourceState(ctx context.Context, req *tfprotov6.UpgradeResourceStateRequest) (*tfprotov6.UpgradeResourceStateResponse, bool) {
	if req == nil || req.TypeName != fastPathTypeName || req.RawState == nil || req.RawState.JSON == nil {
		return nil, false
	}
	f.init(ctx)
	if !f.validatable || req.Version != f.schema.Version {
		return nil, false
	}
	value, err := req.RawState.UnmarshalWithOpts(f.objectType, tfprotov6.UnmarshalOpts{
		ValueFromJSONOpts: tftypes.ValueFromJSONOpts{IgnoreUndefinedAttributes: true},
	})
	if err != nil {
		return nil, false // the framework words the error
	}
	state := f.encode(value)
	if state == nil {
		return nil, false
	}
	return &tfprotov6.UpgradeResourceStateResponse{UpgradedState: state}, true
}

// validateResourceConfig is fwserver.ValidateResourceConfig (internal/fwserver/server_validateresourceconfig.go)
// for this resource, in its order:
//
//   - fromproto6.Config decodes the configuration and nullifies collection blocks: there are none.
//   - The resource's Configure takes the server's provider data: it cannot fail (the provider
//     hands resources only *providerData), and ValidateConfig does not use it.
//   - ConfigValidators: the resource has none (TestRefreshFastPath_validateAnswersAsTheFramework
//     holds it to that).
//   - ValidateConfig: its rules (validateModel) on the model decoded as Read's fast path does; it
//     does not look at the client's capabilities.
//   - SchemaValidate: every attribute, as validateAttribute does it, then the schema's
//     deprecation warning.
//
// The framework walks the attributes in Go's map order, so its diagnostics come in no fixed
// order; the fast path's come in the order of the attribute names.
func (f *refreshFastPath) validateResourceConfig(ctx context.Context, req *tfprotov6.ValidateResourceConfigRequest) (*tfprotov6.ValidateResourceConfigResponse, bool) {
	if req == nil || req.TypeName != fastPathTypeName || req.Config == nil {
		return nil, false
	}
	f.init(ctx)
	if !f.validatable {
		return nil, false
	}
	value, ok := f.decodeObject(req.Config)
	if !ok || value.IsNull() || !value.IsKnown() {
		return nil, false
	}
	var values map[string]tftypes.Value
	if err := value.As(&values); err != nil {
		return nil, false
	}
	// fromproto6.ValidateResourceConfigClientCapabilities: none sent is none allowed.
	writeOnly := req.ClientCapabilities != nil && req.ClientCapabilities.WriteOnlyAttributesAllowed
	v := attributeValidation{
		config:       tfsdk.Config{Schema: f.schema, Raw: value},
		capabilities: validator.ValidateSchemaClientCapabilities{WriteOnlyAttributesAllowed: writeOnly},
	}

	// ValidateConfig: getModel, which fails only where modelOf does, then validateModel.
	m, ok := f.modelOf(ctx, value)
	if !ok {
		return nil, false
	}
	var diags diag.Diagnostics
	validateModel(m, &diags)

	for _, name := range f.attrNames {
		attrDiags, ok := v.attribute(ctx, f.schema.Attributes[name], path.Root(name), path.MatchRoot(name), values[name])
		if !ok {
			return nil, false
		}
		diags.Append(attrDiags...)
	}
	if f.schema.DeprecationMessage != "" {
		diags.AddWarning("Deprecated", f.schema.DeprecationMessage)
	}
	return &tfprotov6.ValidateResourceConfigResponse{Diagnostics: protoDiagnostics(diags)}, true
}

// attributeValidation is what fwserver.ValidateAttributeRequest carries besides the attribute.
type attributeValidation struct {
	config       tfsdk.Config
	capabilities validator.ValidateSchemaClientCapabilities
}

// attribute is fwserver.AttributeValidate (internal/fwserver/attribute_validation.go) for an
// attribute whose configuration value is raw: its definition checked, its value read as
// fwschemadata.Data.ValueAtPath reads it, the read-only, required and write-only checks, the
// validators of its type, its nested attributes and its deprecation warning. False for what the
// fast path does not reproduce: a value that fails to convert or validates itself, a dynamic
// value, attribute kinds this schema does not use.
func (v attributeValidation) attribute(ctx context.Context, a schema.Attribute, p path.Path, pe path.Expression, raw tftypes.Value) (diag.Diagnostics, bool) {
	var diags diag.Diagnostics
	switch {
	case !a.IsRequired() && !a.IsOptional() && !a.IsComputed():
		diags.AddAttributeError(p, "Invalid Attribute Definition",
			"Attribute missing Required, Optional, or Computed definition. This is always a problem with the provider and should be reported to the provider developer.")
		return diags, true
	case a.IsWriteOnly() && a.IsRequired() && a.IsOptional():
		diags.AddAttributeError(p, "Invalid Attribute Definition",
			"WriteOnly Attributes must be set with only one of Required or Optional. This is always a problem with the provider and should be reported to the provider developer.")
		return diags, true
	case a.IsWriteOnly() && a.IsComputed():
		diags.AddAttributeError(p, "Invalid Attribute Definition",
			"WriteOnly Attributes cannot be set with Computed. This is always a problem with the provider and should be reported to the provider developer.")
		return diags, true
	}

	// ValueAtPath: the value converted by the attribute's type, then the type's own Validate
	// (basetypes.Int64Type and MapType have one; an error there ends the attribute's validation).
	// Values that validate themselves (xattr.ValidateableAttribute) are left to the framework.
	value, err := a.GetType().ValueFromTerraform(ctx, raw)
	if err != nil {
		return nil, false
	}
	if _, ok := value.(xattr.ValidateableAttribute); ok {
		return nil, false
	}
	if _, ok := value.(basetypes.DynamicValuable); ok {
		return nil, false
	}
	if typ, ok := a.GetType().(xattr.TypeWithValidate); ok { //nolint:staticcheck // deprecated, but the framework still calls it
		diags.Append(typ.Validate(ctx, raw, p)...)
		if diags.HasError() {
			return diags, true
		}
	}

	null, unknown := value.IsNull(), value.IsUnknown()
	if a.IsComputed() && !a.IsOptional() && !null {
		diags.AddAttributeError(p, "Invalid Configuration for Read-Only Attribute",
			"Cannot set value for this attribute as the provider has marked it as read-only. Remove the configuration line setting the value.\n\n"+
				"Refer to the provider documentation or contact the provider developers for additional information about configurable and read-only attributes that are supported.")
	}
	if a.IsRequired() && null {
		diags.AddAttributeError(p, "Missing Configuration for Required Attribute",
			fmt.Sprintf("Must set a configuration value for the %s attribute as the provider has marked it as required.\n\n", p.String())+
				"Refer to the provider documentation or contact the provider developers for additional information about configurable attributes that are required.")
	}
	if !v.capabilities.WriteOnlyAttributesAllowed && a.IsWriteOnly() && !null {
		diags.AddAttributeError(p, "WriteOnly Attribute Not Allowed",
			fmt.Sprintf("The resource contains a non-null value for WriteOnly attribute %s. Write-only attributes are only supported in Terraform 1.11 and later.", p.String()))
	}

	// The validators of the attribute's type (AttributeValidateString and the others), then the
	// nested attributes (AttributeValidateNestedAttributes).
	var ok bool
	switch a := a.(type) {
	case schema.StringAttribute:
		ok = v.strings(ctx, a.StringValidators(), p, pe, value, &diags)
	case schema.Int64Attribute:
		ok = v.int64s(ctx, a.Int64Validators(), p, pe, value, &diags)
	case schema.BoolAttribute:
		ok = v.bools(ctx, a.BoolValidators(), p, pe, value, &diags)
	case schema.MapAttribute:
		ok = v.maps(ctx, a.MapValidators(), p, pe, value, &diags)
	case schema.SingleNestedAttribute:
		ok = v.objects(ctx, a.ObjectValidators(), p, pe, value, &diags) && v.nested(ctx, a, p, pe, value, raw, &diags)
	}
	if !ok {
		return nil, false
	}

	if a.GetDeprecationMessage() != "" && !null && !unknown {
		diags.AddAttributeWarning(p, "Attribute Deprecated", a.GetDeprecationMessage())
	}
	return diags, true
}

func (v attributeValidation) strings(ctx context.Context, validators []validator.String, p path.Path, pe path.Expression, value attr.Value, diags *diag.Diagnostics) bool {
	valuable, ok := value.(basetypes.StringValuable)
	if !ok {
		return false
	}
	configValue, d := valuable.ToStringValue(ctx)
	if d.HasError() {
		return false
	}
	diags.Append(d...)
	req := validator.StringRequest{ClientCapabilities: v.capabilities, Config: v.config, ConfigValue: configValue, Path: p, PathExpression: pe}
	for _, check := range validators {
		var resp validator.StringResponse
		check.ValidateString(ctx, req, &resp)
		diags.Append(resp.Diagnostics...)
	}
	return true
}

func (v attributeValidation) int64s(ctx context.Context, validators []validator.Int64, p path.Path, pe path.Expression, value attr.Value, diags *diag.Diagnostics) bool {
	valuable, ok := value.(basetypes.Int64Valuable)
	if !ok {
		return false
	}
	configValue, d := valuable.ToInt64Value(ctx)
	if d.HasError() {
		return false
	}
	diags.Append(d...)
	req := validator.Int64Request{ClientCapabilities: v.capabilities, Config: v.config, ConfigValue: configValue, Path: p, PathExpression: pe}
	for _, check := range validators {
		var resp validator.Int64Response
		check.ValidateInt64(ctx, req, &resp)
		diags.Append(resp.Diagnostics...)
	}
	return true
}

func (v attributeValidation) bools(ctx context.Context, validators []validator.Bool, p path.Path, pe path.Expression, value attr.Value, diags *diag.Diagnostics) bool {
	valuable, ok := value.(basetypes.BoolValuable)
	if !ok {
		return false
	}
	configValue, d := valuable.ToBoolValue(ctx)
	if d.HasError() {
		return false
	}
	diags.Append(d...)
	req := validator.BoolRequest{ClientCapabilities: v.capabilities, Config: v.config, ConfigValue: configValue, Path: p, PathExpression: pe}
	for _, check := range validators {
		var resp validator.BoolResponse
		check.ValidateBool(ctx, req, &resp)
		diags.Append(resp.Diagnostics...)
	}
	return true
}

func (v attributeValidation) maps(ctx context.Context, validators []validator.Map, p path.Path, pe path.Expression, value attr.Value, diags *diag.Diagnostics) bool {
	valuable, ok := value.(basetypes.MapValuable)
	if !ok {
		return false
	}
	configValue, d := valuable.ToMapValue(ctx)
	if d.HasError() {
		return false
	}
	diags.Append(d...)
	req := validator.MapRequest{ClientCapabilities: v.capabilities, Config: v.config, ConfigValue: configValue, Path: p, PathExpression: pe}
	for _, check := range validators {
		var resp validator.MapResponse
		check.ValidateMap(ctx, req, &resp)
		diags.Append(resp.Diagnostics...)
	}
	return true
}

func (v attributeValidation) objects(ctx context.Context, validators []validator.Object, p path.Path, pe path.Expression, value attr.Value, diags *diag.Diagnostics) bool {
	valuable, ok := value.(basetypes.ObjectValuable)
	if !ok {
		return false
	}
	configValue, d := valuable.ToObjectValue(ctx)
	if d.HasError() {
		return false
	}
	diags.Append(d...)
	req := validator.ObjectRequest{ClientCapabilities: v.capabilities, Config: v.config, ConfigValue: configValue, Path: p, PathExpression: pe}
	for _, check := range validators {
		var resp validator.ObjectResponse
		check.ValidateObject(ctx, req, &resp)
		diags.Append(resp.Diagnostics...)
	}
	return true
}

// nested is AttributeValidateNestedAttributes for a single nested attribute, with
// NestedAttributeObjectValidate: nothing for a null or unknown object; else the object's
// validators, which for a single nested attribute are the attribute's own (GetNestedObject), so
// they run a second time, as in the framework; then each nested attribute.
func (v attributeValidation) nested(ctx context.Context, a schema.SingleNestedAttribute, p path.Path, pe path.Expression, value attr.Value, raw tftypes.Value, diags *diag.Diagnostics) bool {
	valuable, ok := value.(basetypes.ObjectValuable)
	if !ok {
		return false
	}
	object, d := valuable.ToObjectValue(ctx)
	if d.HasError() {
		return false
	}
	diags.Append(d...)
	if object.IsNull() || object.IsUnknown() {
		return true
	}
	if !v.objects(ctx, a.Validators, p, pe, value, diags) {
		return false
	}
	var values map[string]tftypes.Value
	if err := raw.As(&values); err != nil {
		return false
	}
	for _, name := range sortedKeys(a.Attributes) {
		nestedDiags, ok := v.attribute(ctx, a.Attributes[name], p.AtName(name), pe.AtName(name), values[name])
		if !ok {
			return false
		}
		diags.Append(nestedDiags...)
	}
	return true
}

// schemaValidatable reports whether the fast path reproduces the framework's validation and
// upgrade of s: no blocks (the framework nullifies and reifies collection blocks), no resource
// config validators, and only the attribute kinds attributeValidation knows.
func schemaValidatable(s schema.Schema) bool {
	if len(s.Blocks) > 0 {
		return false
	}
	var known func(map[string]schema.Attribute) bool
	known = func(attrs map[string]schema.Attribute) bool {
		for _, a := range attrs {
			switch a := a.(type) {
			case schema.StringAttribute, schema.Int64Attribute, schema.BoolAttribute, schema.MapAttribute:
			case schema.SingleNestedAttribute:
				if !known(a.Attributes) {
					return false
				}
			default:
				return false
			}
		}
		return true
	}
	return known(s.Attributes)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
