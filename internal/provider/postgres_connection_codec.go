package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
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

// attributes is the model by attribute name: the inverse of modelFromAttributes.
func (m postgresConnectionModel) attributes() map[string]attr.Value {
	return map[string]attr.Value{
		"id":                            m.ID,
		"name":                          m.Name,
		"mode":                          m.Mode,
		"agent_id":                      m.AgentID,
		"host":                          m.Host,
		"port":                          m.Port,
		"database":                      m.Database,
		"username":                      m.Username,
		"password":                      m.Password,
		"password_wo":                   m.PasswordWO,
		"password_wo_version":           m.PasswordWOVersion,
		"use_ssl":                       m.UseSSL,
		"ssl_ca":                        m.SSLCA,
		"ssl_certificate":               m.SSLCertificate,
		"ssl_key":                       m.SSLKey,
		"ssl_passphrase":                m.SSLPassphrase,
		"ssl_key_wo":                    m.SSLKeyWO,
		"ssl_passphrase_wo":             m.SSLPassphraseWO,
		"ssl_key_wo_version":            m.SSLKeyWOVersion,
		"ssl_verify_server_certificate": m.SSLVerifyServerCertificate,
		"concurrency_level":             m.ConcurrencyLevel,
		"concurrency_level_in_force":    m.ConcurrencyLevelInForce,
		"borrow_concurrency_from":       m.BorrowConcurrencyFrom,
		"properties":                    m.Properties,
		"offline":                       m.Offline,
		"connectivity_check":            m.ConnectivityCheck,
		"timeouts":                      m.Timeouts,
	}
}

// modelFromAttributes is the model that an object's attributes describe.
func modelFromAttributes(a map[string]attr.Value, diags *diag.Diagnostics) postgresConnectionModel {
	return postgresConnectionModel{
		ID:                         attribute[types.String](a, "id", diags),
		Name:                       attribute[types.String](a, "name", diags),
		Mode:                       attribute[types.String](a, "mode", diags),
		AgentID:                    attribute[types.String](a, "agent_id", diags),
		Host:                       attribute[types.String](a, "host", diags),
		Port:                       attribute[types.Int64](a, "port", diags),
		Database:                   attribute[types.String](a, "database", diags),
		Username:                   attribute[types.String](a, "username", diags),
		Password:                   attribute[types.String](a, "password", diags),
		PasswordWO:                 attribute[types.String](a, "password_wo", diags),
		PasswordWOVersion:          attribute[types.Int64](a, "password_wo_version", diags),
		UseSSL:                     attribute[types.Bool](a, "use_ssl", diags),
		SSLCA:                      attribute[types.String](a, "ssl_ca", diags),
		SSLCertificate:             attribute[types.String](a, "ssl_certificate", diags),
		SSLKey:                     attribute[types.String](a, "ssl_key", diags),
		SSLPassphrase:              attribute[types.String](a, "ssl_passphrase", diags),
		SSLKeyWO:                   attribute[types.String](a, "ssl_key_wo", diags),
		SSLPassphraseWO:            attribute[types.String](a, "ssl_passphrase_wo", diags),
		SSLKeyWOVersion:            attribute[types.Int64](a, "ssl_key_wo_version", diags),
		SSLVerifyServerCertificate: attribute[types.Bool](a, "ssl_verify_server_certificate", diags),
		ConcurrencyLevel:           attribute[types.Int64](a, "concurrency_level", diags),
		ConcurrencyLevelInForce:    attribute[types.Int64](a, "concurrency_level_in_force", diags),
		BorrowConcurrencyFrom:      attribute[types.String](a, "borrow_concurrency_from", diags),
		Properties:                 attribute[types.Map](a, "properties", diags),
		Offline:                    attribute[types.Bool](a, "offline", diags),
		ConnectivityCheck:          attribute[types.Object](a, "connectivity_check", diags),
		Timeouts:                   attribute[timeouts.Value](a, "timeouts", diags),
	}
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
