package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/integratorio/terraform-provider-integratorio/internal/client"
)

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
