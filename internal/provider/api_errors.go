package provider

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/integratorio/terraform-provider-integratorio/internal/client"
)

// apiFieldAttributes maps the document paths the API names in its errors to the attributes
// users write, so a rejection shows on the attribute at fault. Every attribute sent is here or in
// notSentAttributes (TestAPIFieldAttributes_coverEverySentAttribute).
var apiFieldAttributes = map[string]string{
	"name":                               "name",
	"_agentId":                           "agent_id",
	"_borrowConcurrencyFromConnectionId": "borrow_concurrency_from",
	"rdbms.host":                         "host",
	"rdbms.port":                         "port",
	"rdbms.database":                     "database",
	"rdbms.user":                         "username",
	"rdbms.password":                     "password",
	"rdbms.ssl":                          "use_ssl",
	"rdbms.ssl.ca":                       "ssl_ca",
	"rdbms.ssl.cert":                     "ssl_certificate",
	"rdbms.ssl.key":                      "ssl_key",
	"rdbms.ssl.passphrase":               "ssl_passphrase",
	"rdbms.disableStrictSSL":             "ssl_verify_server_certificate",
	"rdbms.concurrencyLevel":             "concurrency_level",
	"rdbms.options":                      "properties",
}

// fieldHints say how to fix a rejection of a field where the API's own message may not.
var fieldHints = map[string]string{
	// Celigo's schema requires a password for PostgreSQL even where the form waives it
	// (certificate login with CA, certificate and key).
	"rdbms.password": "How to fix: set password, or password_wo to keep it out of Terraform state. With certificate login " +
		"any value will do: PostgreSQL does not ask for a password when it authenticates the user by certificate " +
		"(cert in pg_hba.conf).\n\n",
}

// rejectedFields turns an API error that names document fields (a validation failure) into
// attribute errors, and reports whether it did. Other errors are left to the caller.
func rejectedFields(err error, name string, diags *diag.Diagnostics) bool {
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) {
		return false
	}
	found := false
	for _, d := range apiErr.Errors {
		if d.Field == "" {
			continue
		}
		found = true
		message := strings.TrimPrefix(d.Message, d.Field+": ")
		detail := fmt.Sprintf("integrator.io refused connection %q: %s (field %s).\n\n%sNothing was created or changed.",
			name, message, d.Field, fieldHints[d.Field])
		if attr, ok := apiFieldAttributes[d.Field]; ok {
			diags.AddAttributeError(path.Root(attr), "integrator.io Rejected the Connection", detail)
		} else {
			diags.AddError("integrator.io Rejected the Connection", detail)
		}
	}
	return found
}

// isNotFound reports whether err means the connection does not exist.
func isNotFound(err error) bool { return errors.Is(err, client.ErrNotFound) }

// agentAccessMissing says which permission a token refused /agents (403) lacks and what to do.
// integratorio-api.md: custom-scoped API tokens and personal access tokens list connections,
// exports, imports and APIs, not agents, so such a token can be refused every agent call.
const agentAccessMissing = "The API token lacks access to on-premise agents: reading them (GET /v1/agents) needs " +
	"a token with full access, or one whose custom scope includes agents. Custom-scoped API tokens and personal " +
	"access tokens are typically limited to connections, exports, imports and APIs. Give the provider " +
	"(api_token, or " + envAPIToken + ") a full-access API token, created in integrator.io under " +
	"Resources → API tokens, or one whose scope includes agents."

// isForbidden reports whether integrator.io refused the call to this token (403).
func isForbidden(err error) bool { return errors.Is(err, client.ErrForbidden) }

// apiMessage is what integrator.io said about a failed call: the API error's own message when it
// has one, the whole error otherwise.
func apiMessage(err error) string {
	if apiErr, ok := errors.AsType[*client.APIError](err); ok && apiErr.Message != "" {
		return apiErr.Message
	}
	return err.Error()
}

// agentCall is a call to /agents, for the diagnostic of its failure: the split between an agent
// that does not exist, a token refused agent access (agentAccessMissing) and any other failure is
// the same for every caller; the words around it are each caller's.
type agentCall struct {
	at       path.Path // the attribute the diagnostic is shown on; empty for the whole block
	doing    string    // what was asked, as "read agent a1" or "list the account's agents"
	notFound string    // the detail when the agent does not exist (calls by id)
	context  string    // before a refusal: why the provider made a call the user did not ask for
	advice   string    // after agentAccessMissing: what else the refusal means here
	failed   string    // the summary of any other failure, as "Error Reading Agent"
}

// agentError adds the diagnostic of a failed call to /agents.
func agentError(diags *diag.Diagnostics, err error, c agentCall) {
	add := func(summary, detail string) {
		if len(c.at.Steps()) == 0 {
			diags.AddError(summary, detail)
			return
		}
		diags.AddAttributeError(c.at, summary, detail)
	}
	switch {
	case isNotFound(err) && c.notFound != "":
		add("Agent Not Found", c.notFound)
	case isForbidden(err):
		add("Token Lacks Agent Access", fmt.Sprintf("%sintegrator.io refused to %s with this API token: %s\n\n%s%s",
			c.context, c.doing, err, agentAccessMissing, c.advice))
	default:
		add(c.failed, fmt.Sprintf("Could not %s: %s", c.doing, err))
	}
}

// nameWriteOnly rewrites a message that names a secret attribute (ssl_key, not the longer
// ssl_key_wo) to name its write-only twin where wo says the connection uses it.
func nameWriteOnly(text string, wo map[string]string) string {
	for plain, twin := range wo {
		text = regexp.MustCompile(`\b`+regexp.QuoteMeta(plain)+`\b`).ReplaceAllString(text, twin)
	}
	return text
}

// rejectedFieldsAs is rejectedFields for a connection that uses the write-only attributes wo
// names (writeOnlyInUse): an error on a secret is shown on the attribute the configuration uses.
func rejectedFieldsAs(err error, name string, wo map[string]string, diags *diag.Diagnostics) bool {
	var found diag.Diagnostics
	if !rejectedFields(err, name, &found) {
		return false
	}
	for _, d := range found {
		if withPath, ok := d.(diag.DiagnosticWithPath); ok {
			if twin, ok := wo[withPath.Path().String()]; ok {
				d = diag.NewAttributeErrorDiagnostic(path.Root(twin), d.Summary(), d.Detail())
			}
		}
		diags.Append(d)
	}
	return true
}
