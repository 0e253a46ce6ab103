package provider

import (
	"context"
	"fmt"
	"sort"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// Schema versions of integratorio_postgres_connection. A change to what a stored attribute means
// (not only adding one) bumps the version and adds a state upgrader from every earlier version,
// so that state written by an earlier release plans no change, even with -refresh=false
// (`make test-upgrade` proves it; see CONTRIBUTING.md, "Upgrades").
//
//	0  0.1.0
//	1  ssl_verify_server_certificate is null without TLS (it was true); concurrency_level_in_force
//	   is added (null until the next refresh: only integrator.io knows it)
const connectionSchemaVersion = 1

var _ resource.ResourceWithUpgradeState = (*postgresConnectionResource)(nil)

func (r *postgresConnectionResource) UpgradeState(context.Context) map[int64]resource.StateUpgrader {
	prior := connectionSchemaV0()
	return map[int64]resource.StateUpgrader{
		0: {PriorSchema: &prior, StateUpgrader: upgradeConnectionStateV0},
	}
}

// upgradeConnectionStateV0 rewrites a state of 0.1.0 into the current schema: every attribute as
// it was, ssl_verify_server_certificate null unless use_ssl is true, and the attributes 0.1.0 did
// not have null.
func upgradeConnectionStateV0(ctx context.Context, req resource.UpgradeStateRequest, resp *resource.UpgradeStateResponse) {
	var prior map[string]tftypes.Value
	if err := req.State.Raw.As(&prior); err != nil {
		resp.Diagnostics.AddError("Unable to Upgrade Resource State", "Reading the state of version 0: "+err.Error())
		return
	}
	var useSSL *bool
	if v, ok := prior["use_ssl"]; ok {
		if err := v.As(&useSSL); err != nil {
			resp.Diagnostics.AddError("Unable to Upgrade Resource State", "Reading use_ssl of version 0: "+err.Error())
			return
		}
	}
	if useSSL == nil || !*useSSL {
		// 0.1.0 recorded true for every connection; it means nothing without TLS.
		prior["ssl_verify_server_certificate"] = tftypes.NewValue(tftypes.Bool, nil)
	}
	next, err := carryAttributes(resp.State.Schema.Type().TerraformType(ctx), prior)
	if err != nil {
		resp.Diagnostics.AddError("Unable to Upgrade Resource State", "Upgrading the state of version 0: "+err.Error())
		return
	}
	resp.State.Raw = next
}

// carryAttributes builds an object of type typ from attrs: each of its attributes from attrs,
// null when attrs has none. An attribute of attrs that typ lacks, or of another type, is an
// error: an upgrader must decide what becomes of it.
func carryAttributes(typ tftypes.Type, attrs map[string]tftypes.Value) (tftypes.Value, error) {
	obj, ok := typ.(tftypes.Object)
	if !ok {
		return tftypes.Value{}, fmt.Errorf("the schema's type is %s, not an object", typ)
	}
	values := make(map[string]tftypes.Value, len(obj.AttributeTypes))
	for name, t := range obj.AttributeTypes {
		v, ok := attrs[name]
		switch {
		case !ok:
			values[name] = tftypes.NewValue(t, nil)
		case !v.Type().Equal(t):
			return tftypes.Value{}, fmt.Errorf("attribute %s is a %s, the schema wants a %s", name, v.Type(), t)
		default:
			values[name] = v
		}
	}
	var dropped []string
	for name := range attrs {
		if _, ok := obj.AttributeTypes[name]; !ok {
			dropped = append(dropped, name)
		}
	}
	if len(dropped) > 0 {
		sort.Strings(dropped)
		return tftypes.Value{}, fmt.Errorf("the schema has no attribute %v", dropped)
	}
	if err := tftypes.ValidateValue(obj, values); err != nil {
		return tftypes.Value{}, err
	}
	return tftypes.NewValue(obj, values), nil
}

// connectionSchemaV0 is the schema of version 0 (0.1.0), frozen: only the attributes' types
// matter to an upgrader, and what each flag was (TestConnectionSchemaV0_is010 holds it to the
// schema 0.1.0 published).
func connectionSchemaV0() schema.Schema {
	str := func(required, optional, computed, sensitive, writeOnly bool) schema.StringAttribute {
		return schema.StringAttribute{Required: required, Optional: optional, Computed: computed, Sensitive: sensitive, WriteOnly: writeOnly}
	}
	optional := func() schema.StringAttribute { return str(false, true, false, false, false) }
	required := func() schema.StringAttribute { return str(true, false, false, false, false) }
	secret := func() schema.StringAttribute { return str(false, true, false, true, false) }
	writeOnly := func() schema.StringAttribute { return str(false, true, false, true, true) }
	optionalText := func() schema.Attribute { return schema.StringAttribute{Optional: true} }
	return schema.Schema{
		Version: 0,
		Attributes: map[string]schema.Attribute{
			"id":                            str(false, false, true, false, false),
			"name":                          required(),
			"mode":                          str(false, true, true, false, false),
			"agent_id":                      optional(),
			"host":                          required(),
			"port":                          schema.Int64Attribute{Optional: true, Computed: true},
			"database":                      required(),
			"username":                      required(),
			"password":                      secret(),
			"password_wo":                   writeOnly(),
			"password_wo_version":           schema.Int64Attribute{Optional: true},
			"use_ssl":                       schema.BoolAttribute{Optional: true, Computed: true},
			"ssl_ca":                        optional(),
			"ssl_certificate":               optional(),
			"ssl_key":                       secret(),
			"ssl_key_wo":                    writeOnly(),
			"ssl_passphrase":                secret(),
			"ssl_passphrase_wo":             writeOnly(),
			"ssl_key_wo_version":            schema.Int64Attribute{Optional: true},
			"ssl_verify_server_certificate": schema.BoolAttribute{Optional: true, Computed: true},
			"concurrency_level":             schema.Int64Attribute{Optional: true, Computed: true},
			"borrow_concurrency_from":       optional(),
			"properties":                    schema.MapAttribute{ElementType: types.StringType, Optional: true},
			"offline":                       schema.BoolAttribute{Computed: true},
			"connectivity_check": schema.SingleNestedAttribute{Optional: true, Attributes: map[string]schema.Attribute{
				"direct": schema.BoolAttribute{Optional: true}, "via_api": schema.BoolAttribute{Optional: true},
				"timeout": optionalText(),
			}},
			"timeouts": schema.SingleNestedAttribute{Optional: true, Attributes: map[string]schema.Attribute{
				"create": optionalText(), "update": optionalText(), "delete": optionalText(),
			}},
		},
	}
}
