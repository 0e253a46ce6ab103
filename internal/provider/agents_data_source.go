package provider

import (
	"context"
	"sort"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/integratorio/terraform-provider-integratorio/internal/client"
)

var _ datasource.DataSourceWithConfigure = (*agentsDataSource)(nil)

// NewAgentsDataSource is the constructor the provider registers.
func NewAgentsDataSource() datasource.DataSource { return &agentsDataSource{} }

// agentsDataSource lists the account's on-premise agents (GET /agents, every page).
type agentsDataSource struct {
	data *providerData
}

type agentsModel struct {
	NamePrefix types.String `tfsdk:"name_prefix"`
	Online     types.Bool   `tfsdk:"online"`
	Agents     types.List   `tfsdk:"agents"`
	IDs        types.List   `tfsdk:"ids"`
}

// agentAttrTypes is one element of agents.
var agentAttrTypes = map[string]attr.Type{
	"id":                types.StringType,
	"name":              types.StringType,
	"description":       types.StringType,
	"version":           types.StringType,
	"online":            types.BoolType,
	"last_heartbeat_at": types.StringType,
	"created_at":        types.StringType,
}

func (d *agentsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_agents"
}

func (d *agentsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the account's on-premise agents with their status, optionally only those whose name " +
			"starts with a prefix, or only those online (or offline). One listing of the account's agents per read. " +
			"Needs an API token with access to agents.",
		Attributes: map[string]schema.Attribute{
			"name_prefix": schema.StringAttribute{
				MarkdownDescription: "Only agents whose name starts with this text (case-sensitive). Default: every agent.",
				Optional:            true,
			},
			"online": schema.BoolAttribute{
				MarkdownDescription: "`true`: only agents connected now; `false`: only agents that are not. Default: both.",
				Optional:            true,
			},
			"ids": schema.ListAttribute{
				MarkdownDescription: "The ids of the agents found, in the order of `agents`.",
				ElementType:         types.StringType,
				Computed:            true,
			},
			"agents": schema.ListNestedAttribute{
				MarkdownDescription: "The agents found, sorted by name, then id.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{
					Attributes: map[string]schema.Attribute{
						"id":                schema.StringAttribute{Computed: true, MarkdownDescription: "The agent's id."},
						"name":              schema.StringAttribute{Computed: true, MarkdownDescription: "The agent's name."},
						"description":       schema.StringAttribute{Computed: true, MarkdownDescription: "The agent's description."},
						"version":           schema.StringAttribute{Computed: true, MarkdownDescription: "The agent software's version, such as `3.0.5`."},
						"online":            schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether the agent is connected to integrator.io now."},
						"last_heartbeat_at": schema.StringAttribute{Computed: true, MarkdownDescription: "When the agent last reported in (RFC 3339), or null if it never has."},
						"created_at":        schema.StringAttribute{Computed: true, MarkdownDescription: "When the agent was created (RFC 3339)."},
					},
				},
			},
		},
	}
}

func (d *agentsDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *agentsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var config agentsModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	agents, err := d.data.client.Agents.List(ctx)
	if err != nil {
		agentError(&resp.Diagnostics, err, agentCall{doing: "list the account's agents", failed: "Error Listing Agents"})
		return
	}
	found := filterAgents(agents, config.NamePrefix, config.Online)
	elems := make([]attr.Value, len(found))
	ids := make([]attr.Value, len(found))
	for i, a := range found {
		elems[i] = types.ObjectValueMust(agentAttrTypes, map[string]attr.Value{
			"id":                types.StringValue(a.ID),
			"name":              types.StringValue(a.Name),
			"description":       types.StringValue(a.Description),
			"version":           types.StringValue(a.Version),
			"online":            types.BoolValue(!a.Offline),
			"last_heartbeat_at": timeString(a.LastHeartbeatAt),
			"created_at":        timeString(a.CreatedAt),
		})
		ids[i] = types.StringValue(a.ID)
	}
	state := config
	state.Agents = types.ListValueMust(types.ObjectType{AttrTypes: agentAttrTypes}, elems)
	state.IDs = types.ListValueMust(types.StringType, ids)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// filterAgents keeps the agents the filters select, sorted by name, then id.
func filterAgents(agents []client.Agent, prefix types.String, online types.Bool) []client.Agent {
	var out []client.Agent
	for _, a := range agents {
		if !prefix.IsNull() && !strings.HasPrefix(a.Name, prefix.ValueString()) {
			continue
		}
		if !online.IsNull() && online.ValueBool() == a.Offline {
			continue
		}
		out = append(out, a)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].ID < out[j].ID
	})
	return out
}
