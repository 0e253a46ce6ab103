package provider

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/integratorio/terraform-provider-integratorio/internal/tlsmaterial"
)

// sslAttributes are the attributes that only make sense with use_ssl = true.
var sslAttributes = []string{"ssl_ca", "ssl_certificate", "ssl_key", "ssl_key_wo", "ssl_passphrase", "ssl_passphrase_wo",
	"ssl_verify_server_certificate"}

// ValidateConfig holds the rules that span several attributes. Each rule skips values that are
// unknown at plan time; Create and Update see them again once they are known.
func (r *postgresConnectionResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	m, diags := getModel(ctx, req.Config)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	validateModel(m, &resp.Diagnostics)
}

// validateModel is ValidateConfig's rules on the configuration's model (the refresh fast path
// decodes the model itself and calls it too).
func validateModel(m postgresConnectionModel, diags *diag.Diagnostics) {

	// A mode that is not one of connectionModes has its own error; judging agent_id by it would add a wrong one.
	if !m.Mode.IsUnknown() && !m.AgentID.IsUnknown() && (m.Mode.IsNull() || slices.Contains(connectionModes, m.Mode.ValueString())) {
		onPremise := m.Mode.ValueString() == modeOnPremise
		switch {
		case onPremise && m.AgentID.IsNull():
			diags.AddAttributeError(path.Root("agent_id"), "Missing Agent",
				"mode = \"on_premise\" needs agent_id: the id of the on-premise agent that reaches the database. "+
					"Look it up with the integratorio_agent data source, or set mode = \"cloud\" if integrator.io can reach the database over the internet.")
		case !onPremise && !m.AgentID.IsNull():
			diags.AddAttributeError(path.Root("agent_id"), "Agent Set in Cloud Mode",
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
				diags.AddAttributeError(path.Root(name), "SSL Setting Without use_ssl",
					fmt.Sprintf("%s is only used when use_ssl = true. Set use_ssl = true to connect over TLS, or remove %s.", name, name))
			}
		}
	}
	switch {
	case isSet(m.SSLCertificate) && !isSet(key):
		diags.AddAttributeError(path.Root("ssl_key"), "Missing Client Key",
			"ssl_certificate is set but ssl_key is not: certificate login needs the certificate's private key too. "+
				"Set ssl_key (or the write-only ssl_key_wo) to its PEM text, for example file(\"client.key\"), or remove ssl_certificate.")
	case isSet(key) && !isSet(m.SSLCertificate):
		diags.AddAttributeError(path.Root("ssl_certificate"), "Missing Client Certificate",
			keyAttr+" is set but ssl_certificate is not: certificate login needs both. "+
				"Set ssl_certificate to the client certificate's PEM text, or remove "+keyAttr+".")
	}
	if isSet(passphrase) && !isSet(key) {
		diags.AddAttributeError(path.Root(passphraseAttr), "Passphrase Without Key",
			passphraseAttr+" decrypts ssl_key, which is not set. Remove "+passphraseAttr+", or set ssl_key and ssl_certificate.")
	}

	// use_ssl without SSL material is warned about at plan (sslWithoutCAWarning), where what
	// integrator.io holds is known.

	validateTLSMaterial(m, diags)
	configWarnings(m, diags)

}

// validateTLSMaterial parses the PEM values that are known now, with the same code the
// connectivity check uses at apply, so plan never accepts what apply cannot use.
func validateTLSMaterial(m postgresConnectionModel, diags *diag.Diagnostics) {
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
		detail := nameWriteOnly(p.Detail, m.writeOnlyInUse())
		if p.Severity == tlsmaterial.SeverityWarning {
			diags.AddAttributeWarning(attribute, p.Summary, detail)
		} else {
			diags.AddAttributeError(attribute, p.Summary, detail)
		}
	}
}
