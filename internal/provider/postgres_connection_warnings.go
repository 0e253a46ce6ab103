package provider

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
)

// configWarnings are the findings in a configuration that should not stop a plan but would cost
// the user later: each is a warning on the attribute to change.
func configWarnings(m postgresConnectionModel, diags *diag.Diagnostics) {
	plaintextPasswordWarning(m, diags)
	writeOnlyVersionWarnings(m, diags)
}

// plaintextPasswordWarning warns when integrator.io would send the password in clear over the
// internet: a cloud-mode connection with a password and without TLS, to a host that is not a
// private or loopback address.
func plaintextPasswordWarning(m postgresConnectionModel, diags *diag.Diagnostics) {
	if m.Mode.IsUnknown() || m.onPremise() || (!m.Mode.IsNull() && !slices.Contains(connectionModes, m.Mode.ValueString())) || m.UseSSL.IsUnknown() || m.UseSSL.ValueBool() ||
		m.Host.IsNull() || m.Host.IsUnknown() || (!isSet(m.Password) && !isSet(m.PasswordWO)) {
		return
	}
	host := m.Host.ValueString()
	if hostProblem(host) != "" || isPrivateHost(host) {
		return // an invalid host has its own error; quoting it could echo a secret
	}
	diags.AddAttributeWarning(path.Root("use_ssl"), "Password Sent Unencrypted",
		fmt.Sprintf("In cloud mode integrator.io logs in to %s over the internet, and without use_ssl = true the "+
			"password and every query travel unencrypted, readable by anyone on the way. Set use_ssl = true (with ssl_ca "+
			"when the server's certificate is not signed by a public certificate authority), or use mode = \"on_premise\" "+
			"with an agent inside the database's network.", host))
}

// isPrivateHost reports a loopback, private or link-local IP address, or a localhost name:
// traffic to those does not cross the internet.
func isPrivateHost(host string) bool {
	name := strings.ToLower(strings.TrimSuffix(host, "."))
	if name == "localhost" || strings.HasSuffix(name, ".localhost") {
		return true
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	addr = addr.Unmap()
	return addr.IsLoopback() || addr.IsPrivate() || addr.IsLinkLocalUnicast()
}

// writeOnlyVersionWarnings warns about a write-only secret without its version attribute: it is
// sent at create, but a later change of it cannot be seen by Terraform without a version to bump.
func writeOnlyVersionWarnings(m postgresConnectionModel, diags *diag.Diagnostics) {
	for _, wo := range []struct {
		set, versioned bool
		attribute      string
		version        string
		what           string
	}{
		{isSet(m.PasswordWO), isSet(m.PasswordWOVersion), "password_wo", "password_wo_version", "password"},
		{isSet(m.SSLKeyWO), isSet(m.SSLKeyWOVersion), "ssl_key_wo", "ssl_key_wo_version", "client key"},
	} {
		if !wo.set || wo.versioned {
			continue
		}
		diags.AddAttributeWarning(path.Root(wo.version), "Write-Only Value Without a Version",
			fmt.Sprintf("%s is write-only: Terraform never stores it, so it cannot see when it changes, and a new %s would "+
				"never be sent. Set %s = 1 now, and raise it whenever %s changes to send the new value.",
				wo.attribute, wo.what, wo.version, wo.attribute))
	}
}

// passwordForNextChangeWarning warns, on a plan that sends nothing, about a connection whose
// configuration has no password although it logs in with one, as a configuration written by
// `terraform plan -generate-config-out` after an import: the plan succeeds, but any later change
// sends the whole document and is refused with Missing Password (checkPasswordToSend).
func passwordForNextChangeWarning(config postgresConnectionModel, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	key, _ := config.sslKey()
	certLogin := isSet(config.SSLCA) && isSet(config.SSLCertificate) && isSet(key)
	if certLogin || isSet(config.Password) || isSet(config.PasswordWO) {
		return
	}
	if req.State.Raw.IsNull() || !req.Plan.Raw.Equal(req.State.Raw) {
		return // a create or a change: checkPasswordToSend refuses it
	}
	resp.Diagnostics.AddAttributeWarning(path.Root("password"), "Password Needed for the Next Change",
		"The configuration has neither password nor password_wo (a configuration written by terraform plan "+
			"-generate-config-out cannot know the password). This plan changes nothing, so nothing is sent. But every "+
			"change sends the whole connection to integrator.io, which cannot give back the password it holds, so the next "+
			"change will fail with Missing Password. Set password (from a sensitive variable), or password_wo with "+
			"password_wo_version, now.")
}
