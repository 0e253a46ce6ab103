package provider

import (
	"errors"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/integratorio/terraform-provider-integratorio/internal/client"
)

func TestAPIMessage(t *testing.T) {
	withMessage := &client.APIError{StatusCode: 422, Message: "host is required"}
	if got := apiMessage(withMessage); got != "host is required" {
		t.Errorf("an API error with a message: got %q, want its message", got)
	}
	plain := errors.New("connection reset by peer")
	if got := apiMessage(plain); got != plain.Error() {
		t.Errorf("another error: got %q, want the whole error", got)
	}
	if got := apiMessage(&client.APIError{StatusCode: 500}); !strings.Contains(got, "500") {
		t.Errorf("an API error without a message: got %q, want the whole error (its status)", got)
	}
}

// TestAgentError holds the split every /agents caller shares: which summary, on which attribute,
// with which of the caller's words.
func TestAgentError(t *testing.T) {
	call := agentCall{
		at: path.Root("agent_id"), doing: "read agent a1", notFound: "No agent a1.",
		context: "Before saving, ", advice: " And more.", failed: "Cannot Check Agent",
	}
	cases := []struct {
		name        string
		err         error
		call        agentCall
		summary     string
		detail      []string
		onAttribute bool
	}{
		{"not found by id", &client.APIError{StatusCode: 404}, call, "Agent Not Found", []string{"No agent a1."}, true},
		{"forbidden", &client.APIError{StatusCode: 403, Message: "scope"}, call, "Token Lacks Agent Access",
			[]string{"Before saving, integrator.io refused to read agent a1 with this API token", agentAccessMissing + " And more."}, true},
		{"other", errors.New("boom"), call, "Cannot Check Agent", []string{"Could not read agent a1: boom"}, true},
		{"not found in a listing is another failure", &client.APIError{StatusCode: 404},
			agentCall{doing: "list the account's agents", failed: "Error Listing Agents"}, "Error Listing Agents",
			[]string{"Could not list the account's agents"}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var diags diag.Diagnostics
			agentError(&diags, tc.err, tc.call)
			if len(diags) != 1 {
				t.Fatalf("got %d diagnostics, want 1: %v", len(diags), diags)
			}
			d := diags[0]
			if d.Summary() != tc.summary {
				t.Errorf("summary %q, want %q", d.Summary(), tc.summary)
			}
			for _, want := range tc.detail {
				if !strings.Contains(d.Detail(), want) {
					t.Errorf("detail %q lacks %q", d.Detail(), want)
				}
			}
			_, onAttribute := d.(diag.DiagnosticWithPath)
			if onAttribute != tc.onAttribute {
				t.Errorf("on an attribute: %v, want %v", onAttribute, tc.onAttribute)
			}
		})
	}
}

// integrator.io's refusal of a secret is shown on the write-only attribute the configuration uses.
func TestRejectedFieldsAs_namesWriteOnlyAttributes(t *testing.T) {
	t.Parallel()
	m := emptyConnectionModel()
	m.PasswordWO, m.PasswordWOVersion = types.StringValue("s3cret-pw"), types.Int64Value(1)
	err := &client.APIError{StatusCode: 422, Errors: []client.ErrorDetail{
		{Field: "rdbms.password", Message: "password is required"},
		{Field: "rdbms.host", Message: "host is required"},
	}}
	var diags diag.Diagnostics
	if !rejectedFieldsAs(err, "x", m.writeOnlyInUse(), &diags) {
		t.Fatal("the field errors were not recognised")
	}
	var paths []path.Path
	for _, d := range diags {
		if p, ok := d.(diag.DiagnosticWithPath); ok {
			paths = append(paths, p.Path())
		}
	}
	want := []path.Path{path.Root("password_wo"), path.Root("host")}
	if len(paths) != len(want) || !paths[0].Equal(want[0]) || !paths[1].Equal(want[1]) {
		t.Errorf("errors on %v, want %v", paths, want)
	}
}
