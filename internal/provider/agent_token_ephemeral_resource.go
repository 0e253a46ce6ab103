package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"
)

var _ ephemeral.EphemeralResourceWithConfigure = (*agentTokenEphemeralResource)(nil)

// NewAgentTokenEphemeralResource is the constructor the provider registers.
func NewAgentTokenEphemeralResource() ephemeral.EphemeralResource {
	return &agentTokenEphemeralResource{}
}

// agentTokenEphemeralResource reads an agent's access token (GET /agents/{id}/display-token).
// Being ephemeral, its result is never written to plan or state; the provider masks it in logs.
type agentTokenEphemeralResource struct {
	data *providerData
}

type agentTokenModel struct {
	AgentID     types.String `tfsdk:"agent_id"`
	AccessToken types.String `tfsdk:"access_token"`
}

func (e *agentTokenEphemeralResource) Metadata(_ context.Context, req ephemeral.MetadataRequest, resp *ephemeral.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_agent_token"
}

func (e *agentTokenEphemeralResource) Schema(_ context.Context, _ ephemeral.SchemaRequest, resp *ephemeral.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The access token of an on-premise agent, which the agent program needs when it is installed: " +
			"for installing agents by automation (a local command writing the agent's configuration, cloud-init, a secret store's write-only argument, a Kubernetes secret). " +
			"An ephemeral resource: the token is read at every plan and apply and never stored in plan or state, and the " +
			"provider keeps it out of its logs. Use it only where ephemeral values are accepted (write-only arguments, " +
			"provisioner and connection blocks, provider blocks, other ephemeral resources, `locals`). Reading it does not change the token; rotate it in " +
			"integrator.io. Needs Terraform 1.10 or later, or OpenTofu 1.11 or later, and an API token with access to agents.",
		Attributes: map[string]schema.Attribute{
			"agent_id": schema.StringAttribute{
				MarkdownDescription: "The agent's id. Look it up with the `integratorio_agent` or `integratorio_agents` data source.",
				Required:            true,
				Validators:          []validator.String{ObjectIDValidator("Agent")},
			},
			"access_token": schema.StringAttribute{
				MarkdownDescription: "The agent's access token, as integrator.io shows it under Resources → Agents → Display token. Sensitive.",
				Computed:            true,
				Sensitive:           true,
			},
		},
	}
}

func (e *agentTokenEphemeralResource) Configure(_ context.Context, req ephemeral.ConfigureRequest, resp *ephemeral.ConfigureResponse) {
	e.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (e *agentTokenEphemeralResource) Open(ctx context.Context, req ephemeral.OpenRequest, resp *ephemeral.OpenResponse) {
	var config agentTokenModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	id := config.AgentID.ValueString()
	token, err := e.data.client.Agents.AccessToken(ctx, id)
	if err != nil {
		agentError(&resp.Diagnostics, err, agentCall{
			at:    path.Root("agent_id"),
			doing: "show the access token of agent " + id,
			notFound: fmt.Sprintf("No agent with id %s exists in this integrator.io account, so it has no access token. "+
				"Check the id with the integratorio_agents data source.", id),
			advice: " Showing an agent's token (GET /v1/agents/{id}/display-token) needs that same access to agents.",
			failed: "Error Reading Agent Token",
		})
		return
	}
	ctx = tflog.MaskAllFieldValuesStrings(ctx, token)
	tflog.Debug(ctx, "read an agent's access token", map[string]any{"agent_id": id})
	config.AccessToken = types.StringValue(token)
	resp.Diagnostics.Append(resp.Result.Set(ctx, &config)...)
}
