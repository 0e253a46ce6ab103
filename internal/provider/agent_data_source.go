package provider

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/datasourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/integratorio/terraform-provider-integratorio/internal/client"
)

var (
	_ datasource.DataSourceWithConfigure        = (*agentDataSource)(nil)
	_ datasource.DataSourceWithConfigValidators = (*agentDataSource)(nil)
)

// NewAgentDataSource is the constructor the provider registers.
func NewAgentDataSource() datasource.DataSource { return &agentDataSource{} }

type agentDataSource struct {
	data *providerData
}

type agentModel struct {
	ID              types.String `tfsdk:"id"`
	Name            types.String `tfsdk:"name"`
	RequireOnline   types.Bool   `tfsdk:"require_online"`
	Description     types.String `tfsdk:"description"`
	Version         types.String `tfsdk:"version"`
	Online          types.Bool   `tfsdk:"online"`
	LastHeartbeatAt types.String `tfsdk:"last_heartbeat_at"`
	CreatedAt       types.String `tfsdk:"created_at"`
}

func (d *agentDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_agent"
}

func (d *agentDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Finds an integrator.io on-premise agent by id or by name and tells whether it is online. " +
			"An agent is a small program installed behind a firewall that keeps a tunnel open to integrator.io, " +
			"through which on-premise connections reach their databases.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The agent's id. Set exactly one of `id` and `name`.",
				Optional:            true,
				Computed:            true,
				Validators:          []validator.String{ObjectIDValidator("Agent")},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "The agent's exact name. Set exactly one of `id` and `name`; the name must match exactly one agent.",
				Optional:            true,
				Computed:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"require_online": schema.BoolAttribute{
				MarkdownDescription: "Fail when the agent is offline, naming when it was last seen. Defaults to `false`. " +
					"Data sources are read by every plan, `terraform destroy` included, so an offline agent then blocks destroying " +
					"the connections that use it too; connections already check their agent when they are created or changed.",
				Optional: true,
			},
			"description": schema.StringAttribute{
				MarkdownDescription: "The agent's description.",
				Computed:            true,
			},
			"version": schema.StringAttribute{
				MarkdownDescription: "The agent software's version, such as `3.0.5`.",
				Computed:            true,
			},
			"online": schema.BoolAttribute{
				MarkdownDescription: "Whether the agent is connected to integrator.io now.",
				Computed:            true,
			},
			"last_heartbeat_at": schema.StringAttribute{
				MarkdownDescription: "When the agent last reported in (RFC 3339), or null if it never has.",
				Computed:            true,
			},
			"created_at": schema.StringAttribute{
				MarkdownDescription: "When the agent was created (RFC 3339).",
				Computed:            true,
			},
		},
	}
}

func (d *agentDataSource) ConfigValidators(context.Context) []datasource.ConfigValidator {
	return []datasource.ConfigValidator{
		datasourcevalidator.ExactlyOneOf(path.MatchRoot("id"), path.MatchRoot("name")),
	}
}

func (d *agentDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *agentDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var config agentModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}

	var agent *client.Agent
	if !config.ID.IsNull() {
		id := config.ID.ValueString()
		a, err := d.data.client.Agents.Get(ctx, id)
		if err != nil {
			notFound := ""
			if isNotFound(err) {
				notFound = fmt.Sprintf("No agent with id %s exists in this integrator.io account. %s", id, d.existing(ctx))
			}
			agentError(&resp.Diagnostics, err, agentCall{at: path.Root("id"), doing: "read agent " + id, notFound: notFound, failed: "Error Reading Agent"})
			return
		}
		agent = a
	} else {
		agents, err := d.data.client.Agents.List(ctx)
		if err != nil {
			agentError(&resp.Diagnostics, err, agentCall{doing: "list the account's agents", failed: "Error Listing Agents"})
			return
		}
		name := config.Name.ValueString()
		var matches []client.Agent
		for _, a := range agents {
			if a.Name == name {
				matches = append(matches, a)
			}
		}
		switch len(matches) {
		case 0:
			resp.Diagnostics.AddAttributeError(path.Root("name"), "Agent Not Found",
				fmt.Sprintf("No agent is named %q. %s", name, describeAgents(agents)))
			return
		case 1:
			agent = &matches[0]
		default:
			if agent = chooseAmongNamesakes(name, matches, &resp.Diagnostics); agent == nil {
				return
			}
		}
	}

	if config.RequireOnline.ValueBool() && agent.Offline {
		resp.Diagnostics.AddError("Agent Offline",
			fmt.Sprintf("Agent %q (%s) is offline: %s. Start the agent on its host, or set require_online = false to read it anyway.",
				agent.Name, agent.ID, lastSeen(agent.LastHeartbeatAt)))
		return
	}

	state := config
	state.ID = types.StringValue(agent.ID)
	state.Name = types.StringValue(agent.Name)
	state.Description = types.StringValue(agent.Description)
	state.Version = types.StringValue(agent.Version)
	state.Online = types.BoolValue(!agent.Offline)
	state.LastHeartbeatAt = timeString(agent.LastHeartbeatAt)
	state.CreatedAt = timeString(agent.CreatedAt)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// existing lists the account's agents for a not-found message, best effort.
func (d *agentDataSource) existing(ctx context.Context) string {
	agents, err := d.data.client.Agents.List(ctx)
	if err != nil {
		return ""
	}
	return describeAgents(agents)
}

// describeAgents names the agents that do exist, so a typo is easy to spot.
func describeAgents(agents []client.Agent) string {
	if len(agents) == 0 {
		return "The account has no agents: create one in integrator.io under Resources → Agents."
	}
	const shown = 20
	names := make([]string, 0, len(agents))
	for _, a := range agents {
		names = append(names, fmt.Sprintf("%q (%s)", a.Name, a.ID))
	}
	sort.Strings(names)
	more := ""
	if len(names) > shown {
		more = fmt.Sprintf(" and %d more", len(names)-shown)
		names = names[:shown]
	}
	return "Agents in this account: " + strings.Join(names, ", ") + more + "."
}
