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
	_ datasource.DataSourceWithConfigure        = (*postgresConnectionDataSource)(nil)
	_ datasource.DataSourceWithConfigValidators = (*postgresConnectionDataSource)(nil)
)

// NewPostgresConnectionDataSource is the constructor the provider registers.
func NewPostgresConnectionDataSource() datasource.DataSource { return &postgresConnectionDataSource{} }

// postgresConnectionDataSource reads a PostgreSQL connection that another configuration (or the
// UI) owns, by id or by name: its non-secret settings only.
type postgresConnectionDataSource struct {
	data *providerData
}

type postgresConnectionDataModel struct {
	ID                         types.String `tfsdk:"id"`
	Name                       types.String `tfsdk:"name"`
	Mode                       types.String `tfsdk:"mode"`
	AgentID                    types.String `tfsdk:"agent_id"`
	Host                       types.String `tfsdk:"host"`
	Port                       types.Int64  `tfsdk:"port"`
	Database                   types.String `tfsdk:"database"`
	Username                   types.String `tfsdk:"username"`
	UseSSL                     types.Bool   `tfsdk:"use_ssl"`
	SSLVerifyServerCertificate types.Bool   `tfsdk:"ssl_verify_server_certificate"`
	ConcurrencyLevel           types.Int64  `tfsdk:"concurrency_level"`
	BorrowConcurrencyFrom      types.String `tfsdk:"borrow_concurrency_from"`
	Properties                 types.Map    `tfsdk:"properties"`
	Offline                    types.Bool   `tfsdk:"offline"`
	CreatedAt                  types.String `tfsdk:"created_at"`
	LastModified               types.String `tfsdk:"last_modified"`
}

func (d *postgresConnectionDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_postgres_connection"
}

func (d *postgresConnectionDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	computed := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{MarkdownDescription: desc, Computed: true}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads an integrator.io PostgreSQL connection that this configuration does not manage, by id or by " +
			"exact name: for example the lender named by another connection's `borrow_concurrency_from`. Only its " +
			"non-secret settings: integrator.io never shows passwords, keys or (masked) certificates.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The connection's id. Set exactly one of `id` and `name`.",
				Optional:            true,
				Computed:            true,
				Validators:          []validator.String{ObjectIDValidator("Connection")},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "The connection's exact name. Set exactly one of `id` and `name`; the name must match exactly " +
					"one PostgreSQL connection (connections of other types are not considered).",
				Optional:   true,
				Computed:   true,
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"mode":     computed("`\"cloud\"` or `\"on_premise\"` (reached through the agent `agent_id`)."),
			"agent_id": computed("The on-premise agent's id; null for a cloud connection."),
			"host":     computed("The database server's host name or address."),
			"port": schema.Int64Attribute{
				MarkdownDescription: fmt.Sprintf("The database server's port (`%d` when the connection does not say).", defaultPort),
				Computed:            true,
			},
			"database": computed("The database name."),
			"username": computed("The PostgreSQL user."),
			"use_ssl": schema.BoolAttribute{
				MarkdownDescription: "Whether the connection has SSL settings.",
				Computed:            true,
			},
			"ssl_verify_server_certificate": schema.BoolAttribute{
				MarkdownDescription: "Whether the server's certificate is checked; null without SSL.",
				Computed:            true,
			},
			"concurrency_level": schema.Int64Attribute{
				MarkdownDescription: fmt.Sprintf("The connection's concurrency level (`%d` when it does not say); null when it borrows.",
					defaultConcurrencyLevel),
				Computed: true,
			},
			"borrow_concurrency_from": computed("The id of the connection whose concurrency this one borrows, or null."),
			"properties": schema.MapAttribute{
				MarkdownDescription: "The driver options integrator.io uses when it connects (`rdbms.options`), or null.",
				ElementType:         types.StringType,
				Computed:            true,
			},
			"offline": schema.BoolAttribute{
				MarkdownDescription: "Whether integrator.io's last test of the connection failed.",
				Computed:            true,
			},
			"created_at":    computed("When the connection was created (RFC 3339)."),
			"last_modified": computed("When the connection was last changed (RFC 3339)."),
		},
	}
}

func (d *postgresConnectionDataSource) ConfigValidators(context.Context) []datasource.ConfigValidator {
	return []datasource.ConfigValidator{
		datasourcevalidator.ExactlyOneOf(path.MatchRoot("id"), path.MatchRoot("name")),
	}
}

func (d *postgresConnectionDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *postgresConnectionDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var config postgresConnectionDataModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	var doc *client.Connection
	if !config.ID.IsNull() {
		id := config.ID.ValueString()
		c, err := d.data.connections.Get(ctx, id)
		if isNotFound(err) {
			resp.Diagnostics.AddAttributeError(path.Root("id"), "Connection Not Found",
				fmt.Sprintf("No connection with id %s exists in this integrator.io account (a deleted one is in the recycle bin).", id))
			return
		}
		if err != nil {
			resp.Diagnostics.AddError("Error Reading Connection", fmt.Sprintf("Could not read connection %s: %s", id, err))
			return
		}
		if problem := notPostgres(c); problem != "" {
			resp.Diagnostics.AddAttributeError(path.Root("id"), "Not a PostgreSQL Connection",
				fmt.Sprintf("Connection %s (%q) %s. This data source reads PostgreSQL connections only.", id, c.Name, problem))
			return
		}
		doc = c
	} else {
		all, err := d.data.client.Connections.List(ctx)
		if err != nil {
			resp.Diagnostics.AddError("Error Listing Connections", fmt.Sprintf("Could not list the account's connections: %s", err))
			return
		}
		name := config.Name.ValueString()
		var matches, postgres []client.Connection
		for _, c := range all {
			if notPostgres(&c) != "" {
				continue
			}
			postgres = append(postgres, c)
			if c.Name == name {
				matches = append(matches, c)
			}
		}
		switch len(matches) {
		case 0:
			resp.Diagnostics.AddAttributeError(path.Root("name"), "Connection Not Found",
				fmt.Sprintf("No PostgreSQL connection is named %q. %s", name, describeConnections(postgres)))
			return
		case 1:
			doc = &matches[0]
		default:
			ids := make([]string, len(matches))
			for i, c := range matches {
				ids[i] = c.ID
			}
			resp.Diagnostics.AddAttributeError(path.Root("name"), "Several Connections Have This Name",
				fmt.Sprintf("%d PostgreSQL connections are named %q (ids %s). Select one with id instead of name.",
					len(matches), name, strings.Join(ids, ", ")))
			return
		}
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, connectionData(doc))...)
}

// connectionData is the data source's view of a PostgreSQL connection document.
func connectionData(doc *client.Connection) *postgresConnectionDataModel {
	m := fromDocument(doc, emptyConnectionModel(), savedFacts{})
	return &postgresConnectionDataModel{
		ID:                         m.ID,
		Name:                       m.Name,
		Mode:                       m.Mode,
		AgentID:                    m.AgentID,
		Host:                       m.Host,
		Port:                       m.Port,
		Database:                   m.Database,
		Username:                   m.Username,
		UseSSL:                     m.UseSSL,
		SSLVerifyServerCertificate: m.SSLVerifyServerCertificate,
		ConcurrencyLevel:           m.ConcurrencyLevel,
		BorrowConcurrencyFrom:      m.BorrowConcurrencyFrom,
		Properties:                 m.Properties,
		Offline:                    m.Offline,
		CreatedAt:                  timeString(doc.CreatedAt),
		LastModified:               timeString(doc.LastModified),
	}
}

// describeConnections names PostgreSQL connections that do exist, so a typo is easy to spot.
func describeConnections(conns []client.Connection) string {
	if len(conns) == 0 {
		return "The account has no PostgreSQL connections."
	}
	const shown = 20
	names := make([]string, 0, len(conns))
	for _, c := range conns {
		names = append(names, fmt.Sprintf("%q (%s)", c.Name, c.ID))
	}
	sort.Strings(names)
	more := ""
	if len(names) > shown {
		more = fmt.Sprintf(" and %d more", len(names)-shown)
		names = names[:shown]
	}
	return "PostgreSQL connections in this account: " + strings.Join(names, ", ") + more + "."
}
