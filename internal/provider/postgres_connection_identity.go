package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/identityschema"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// Resource identity (Terraform 1.12+): an integratorio_postgres_connection is identified by its
// connection id alone. Terraform 1.12 and later keep the identity in state beside the attributes
// and accept `import { to = ..., identity = { id = "..." } }`; older CLIs and OpenTofu never ask
// for it and see no difference.

var _ resource.ResourceWithIdentity = (*postgresConnectionResource)(nil)

// connectionIdentityModel is the identity of a connection resource.
type connectionIdentityModel struct {
	ID types.String `tfsdk:"id"`
}

func (r *postgresConnectionResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = connectionIdentitySchema()
}

func connectionIdentitySchema() identityschema.Schema {
	return identityschema.Schema{
		Attributes: map[string]identityschema.Attribute{
			"id": identityschema.StringAttribute{
				RequiredForImport: true,
				Description: "The connection's integrator.io id (24 hexadecimal characters), the same as the resource's `id`. " +
					"Import by identity needs Terraform 1.12 or later.",
			},
		},
	}
}

// setIdentity records the connection's id as the resource's identity. identity is nil when the
// CLI does not support identities (Terraform before 1.12, OpenTofu): nothing to do then.
func setIdentity(ctx context.Context, identity *tfsdk.ResourceIdentity, id string) diag.Diagnostics {
	if identity == nil {
		return nil
	}
	return identity.Set(ctx, connectionIdentityModel{ID: types.StringValue(id)})
}

// importID is the connection id an import names: the import ID (an id or the connection page's
// address), or the identity's id.
func importID(ctx context.Context, req resource.ImportStateRequest) (string, diag.Diagnostics) {
	var diags diag.Diagnostics
	if req.ID == "" && req.Identity != nil {
		var identity connectionIdentityModel
		diags.Append(req.Identity.Get(ctx, &identity)...)
		if diags.HasError() {
			return "", diags
		}
		// The identity takes what the import ID takes: an id or the connection page's address.
		id, problem := connectionIDFromImport(identity.ID.ValueString())
		if problem != "" {
			diags.AddError("Invalid Import Identity",
				"The import block's identity.id does not name a connection. "+problem)
			return "", diags
		}
		return id, diags
	}
	id, problem := connectionIDFromImport(req.ID)
	if problem != "" {
		diags.AddError("Invalid Import ID", problem)
	}
	return id, diags
}
