package provider

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/integratorio/terraform-provider-integratorio/internal/tlsmaterial"
)

// sslAttributes are the attributes that only make sense with use_ssl = true.
var sslAttributes = []string{"ssl_ca", "ssl_certificate", "ssl_key", "ssl_key_wo", "ssl_passphrase", "ssl_passphrase_wo",
	"ssl_verify_server_certificate"}

// isSet reports whether a configuration value is present; an unknown value will be.
func isSet(v attr.Value) bool { return !v.IsNull() }

// ValidateConfig holds the rules that span several attributes. Each rule skips values that are
// unknown at plan time; Create and Update see them again once they are known.
func (r *postgresConnectionResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	m, diags := getModel(ctx, req.Config)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}

	// A mode that is not one of connectionModes has its own error; judging agent_id by it would add a wrong one.
	if !m.Mode.IsUnknown() && !m.AgentID.IsUnknown() && (m.Mode.IsNull() || slices.Contains(connectionModes, m.Mode.ValueString())) {
		onPremise := m.Mode.ValueString() == modeOnPremise
		switch {
		case onPremise && m.AgentID.IsNull():
			resp.Diagnostics.AddAttributeError(path.Root("agent_id"), "Missing Agent",
				"mode = \"on_premise\" needs agent_id: the id of the on-premise agent that reaches the database. "+
					"Look it up with the integratorio_agent data source, or set mode = \"cloud\" if integrator.io can reach the database over the internet.")
		case !onPremise && !m.AgentID.IsNull():
			resp.Diagnostics.AddAttributeError(path.Root("agent_id"), "Agent Set in Cloud Mode",
				"agent_id is only used with mode = \"on_premise\". Set mode = \"on_premise\" to reach the database through the agent, "+
					"or remove agent_id.")
		}
	}

	key, keyAttr := m.sslKey()
	passphrase, passphraseAttr := m.sslPassphrase()
	if !m.UseSSL.IsUnknown() && !m.UseSSL.ValueBool() {
		cfg := map[string]attr.Value{
			"ssl_ca": m.SSLCA, "ssl_certificate": m.SSLCertificate, "ssl_key": m.SSLKey, "ssl_key_wo": m.SSLKeyWO,
			"ssl_passphrase": m.SSLPassphrase, "ssl_passphrase_wo": m.SSLPassphraseWO,
			"ssl_verify_server_certificate": m.SSLVerifyServerCertificate,
		}
		for _, name := range sslAttributes {
			if isSet(cfg[name]) {
				resp.Diagnostics.AddAttributeError(path.Root(name), "SSL Setting Without use_ssl",
					fmt.Sprintf("%s is only used when use_ssl = true. Set use_ssl = true to connect over TLS, or remove %s.", name, name))
			}
		}
	}
	switch {
	case isSet(m.SSLCertificate) && !isSet(key):
		resp.Diagnostics.AddAttributeError(path.Root("ssl_key"), "Missing Client Key",
			"ssl_certificate is set but ssl_key is not: certificate login needs the certificate's private key too. "+
				"Set ssl_key (or the write-only ssl_key_wo) to its PEM text, for example file(\"client.key\"), or remove ssl_certificate.")
	case isSet(key) && !isSet(m.SSLCertificate):
		resp.Diagnostics.AddAttributeError(path.Root("ssl_certificate"), "Missing Client Certificate",
			keyAttr+" is set but ssl_certificate is not: certificate login needs both. "+
				"Set ssl_certificate to the client certificate's PEM text, or remove "+keyAttr+".")
	}
	if isSet(passphrase) && !isSet(key) {
		resp.Diagnostics.AddAttributeError(path.Root(passphraseAttr), "Passphrase Without Key",
			passphraseAttr+" decrypts ssl_key, which is not set. Remove "+passphraseAttr+", or set ssl_key and ssl_certificate.")
	}

	if m.UseSSL.ValueBool() && !m.hasSSLMaterial() {
		resp.Diagnostics.AddAttributeWarning(path.Root("use_ssl"), "SSL Without a Certificate Authority",
			"integrator.io has no setting that turns SSL on: it uses SSL when a CA, a client certificate or a key is given. "+
				"With use_ssl = true and none of them, the provider sends an empty ssl object, which integrator.io may drop; "+
				"how it then connects to PostgreSQL is not published, and it may connect without TLS. "+
				"To make sure integrator.io uses TLS and verifies the server, set ssl_ca to the PEM of the certificate authority "+
				"that signed the server's certificate (for a publicly trusted server, that authority's root certificate).")
	}

	validateTLSMaterial(m, resp)
	configWarnings(m, &resp.Diagnostics)

}

// validateTLSMaterial parses the PEM values that are known now, with the same code the
// connectivity check uses at apply, so plan never accepts what apply cannot use.
func validateTLSMaterial(m postgresConnectionModel, resp *resource.ValidateConfigResponse) {
	known := func(v types.String) string {
		if v.IsNull() || v.IsUnknown() {
			return ""
		}
		return v.ValueString()
	}
	key, keyAttr := m.sslKey()
	passphrase, passphraseAttr := m.sslPassphrase()
	material := tlsmaterial.Material{CA: known(m.SSLCA), Cert: known(m.SSLCertificate), Key: known(key), Passphrase: known(passphrase)}
	if passphrase.IsUnknown() {
		// An encrypted key cannot be judged without its passphrase.
		material.Key, material.Passphrase = "", ""
	}
	attributes := map[string]string{
		tlsmaterial.FieldCA: "ssl_ca", tlsmaterial.FieldCert: "ssl_certificate",
		tlsmaterial.FieldKey: keyAttr, tlsmaterial.FieldPassphrase: passphraseAttr,
	}
	for _, p := range material.Validate(time.Now()) {
		attribute := path.Root(attributes[p.Field])
		if p.Severity == tlsmaterial.SeverityWarning {
			resp.Diagnostics.AddAttributeWarning(attribute, p.Summary, p.Detail)
		} else {
			resp.Diagnostics.AddAttributeError(attribute, p.Summary, p.Detail)
		}
	}
}

// ModifyPlan checks that a create or update has a password to send, and fills in
// concurrency_level: the API's default when it is not set, and nothing when the connection
// borrows another's limit, so removing the attribute returns to the default.
func (r *postgresConnectionResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return // destroy
	}
	config, diags := getModel(ctx, req.Config)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	checkPasswordToSend(config, req, resp)
	passwordForNextChangeWarning(config, req, resp)
	r.planOffline(ctx, req, resp)
	if config.ConcurrencyLevel.IsNull() {
		level := types.Int64Value(defaultConcurrencyLevel)
		if isSet(config.BorrowConcurrencyFrom) {
			level = types.Int64Null()
		}
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("concurrency_level"), level)...)
	}
	planLevelInForce(ctx, req, resp)
}

// planOffline plans the offline flag of an update. Only integrator.io's test of the saved
// connection sets or clears it, and Update runs that test only in the cases testsAfterUpdate
// names. In every other case an online connection stays online, so the flag is planned false
// rather than shown as "(known after apply)".
func (r *postgresConnectionResource) planOffline(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.State.Raw.IsNull() {
		return // a create: the flag is what integrator.io's first test says
	}
	var planned types.Bool
	resp.Diagnostics.Append(resp.Plan.GetAttribute(ctx, path.Root("offline"), &planned)...)
	if !planned.IsUnknown() {
		return // no change at all
	}
	plan, diags := getModel(ctx, resp.Plan)
	resp.Diagnostics.Append(diags...)
	state, diags := getModel(ctx, req.State)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() || state.Offline.IsNull() || state.Offline.ValueBool() {
		return
	}
	checks, _ := plan.checkPlan(ctx, r.data.checkDefaults())
	if !testsAfterUpdate(checks, connectionSettingsChanged(plan, state), state) {
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("offline"), types.BoolValue(false))...)
	}
}

// checkPasswordToSend refuses a plan that would send a connection without any credential: every
// create and update sends the whole document, and integrator.io cannot return the password it
// holds. It runs at plan rather than validate time so that a configuration generated by
// `terraform plan -generate-config-out` (which cannot know the password) validates, and a plan
// that changes nothing on an imported connection is allowed; any change then needs the password.
func checkPasswordToSend(config postgresConnectionModel, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	// integrator.io's form waives the password only when the CA, the certificate and the key are
	// all given; its API may require one even then (see rejectedFields).
	key, _ := config.sslKey()
	certLogin := isSet(config.SSLCA) && isSet(config.SSLCertificate) && isSet(key)
	if certLogin || isSet(config.Password) || isSet(config.PasswordWO) {
		return
	}
	if !req.State.Raw.IsNull() && req.Plan.Raw.Equal(req.State.Raw) {
		return // nothing will be sent
	}
	detail := "Set password, or password_wo to keep the password out of Terraform state (Terraform 1.11 or later). " +
		"Only a connection that gives ssl_ca, ssl_certificate and ssl_key (certificate login, with use_ssl = true) may go " +
		"without: integrator.io waives the password only when all three are set."
	if !req.State.Raw.IsNull() {
		detail = "This change sends the connection's whole document to integrator.io, which cannot give back the password " +
			"it holds (for example after an import). " + detail
	}
	resp.Diagnostics.AddAttributeError(path.Root("password"), "Missing Password", detail)
}
