package provider

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/integratorio/terraform-provider-integratorio/internal/client"
)

var (
	_ list.ListResourceWithConfigure      = (*postgresConnectionListResource)(nil)
	_ list.ListResourceWithValidateConfig = (*postgresConnectionListResource)(nil)
)

// NewPostgresConnectionListResource is the constructor the provider registers: the list
// resource integratorio_postgres_connection, for `terraform query` (Terraform 1.14+).
func NewPostgresConnectionListResource() list.ListResource { return &postgresConnectionListResource{} }

// postgresConnectionListResource finds the account's PostgreSQL connections with one listing of
// its connections (every page), skipping connections of other types.
type postgresConnectionListResource struct {
	data *providerData
}

type connectionListFilter struct {
	Name    types.String `tfsdk:"name"`
	Host    types.String `tfsdk:"host"`
	AgentID types.String `tfsdk:"agent_id"`
	Mode    types.String `tfsdk:"mode"`
}

func (l *postgresConnectionListResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_postgres_connection"
}

func (l *postgresConnectionListResource) ListResourceConfigSchema(_ context.Context, _ list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Finds the account's PostgreSQL connections for `terraform query` (Terraform 1.14 or later), " +
			"so that connections made in the integrator.io UI can be brought under Terraform with " +
			"`terraform query -generate-config-out=generated.tf`. Connections of other types are skipped. " +
			"Every filter is optional; together they must all match. One listing of the account's connections per list block; " +
			"results come sorted by name, and Terraform keeps the first `limit` of them (the list block's argument, 100 by default). " +
			"integrator.io never shows secrets, so the generated configuration has none: a warning names, for each " +
			"connection, the secrets (`password` or `password_wo`, `ssl_key`, ...) to add before its next change.",
		Attributes: map[string]schema.Attribute{
			"name": schema.StringAttribute{
				MarkdownDescription: "The connection's name, where `*` stands for any run of characters (`\"orders-*\"`); " +
					"case-sensitive, and without `*` an exact match. Default: any name.",
				Optional:   true,
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"host": schema.StringAttribute{
				MarkdownDescription: "Only connections to this database host (case-insensitive). Default: any host.",
				Optional:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"agent_id": schema.StringAttribute{
				MarkdownDescription: "Only on-premise connections through this agent. Default: any.",
				Optional:            true,
				Validators:          []validator.String{ObjectIDValidator("Agent")},
			},
			"mode": schema.StringAttribute{
				MarkdownDescription: "Only connections of this mode: " + quotedList(connectionModes) + ". Default: both.",
				Optional:            true,
				Validators:          []validator.String{OneOfValidator("Invalid Connection Mode", "mode", connectionModes, false)},
			},
		},
	}
}

func (l *postgresConnectionListResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	l.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (l *postgresConnectionListResource) ValidateListResourceConfig(ctx context.Context, req list.ValidateConfigRequest, resp *list.ValidateConfigResponse) {
	var f connectionListFilter
	resp.Diagnostics.Append(req.Config.Get(ctx, &f)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if f.Mode.ValueString() == modeCloud && isSet(f.AgentID) {
		resp.Diagnostics.AddAttributeError(path.Root("agent_id"), "Filters Exclude Every Connection",
			"agent_id selects on-premise connections, and mode = \"cloud\" excludes them: nothing could match. Remove one of them.")
	}
}

func (l *postgresConnectionListResource) List(ctx context.Context, req list.ListRequest, stream *list.ListResultsStream) {
	var f connectionListFilter
	diags := req.Config.Get(ctx, &f)
	if diags.HasError() {
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	all, err := l.data.client.Connections.List(ctx)
	if err != nil {
		diags.AddError("Error Listing Connections", fmt.Sprintf("Could not list the account's connections: %s", err))
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	matches := f.matcher()
	var found []*client.Connection
	for i := range all {
		if doc := &all[i]; notPostgres(doc) == "" && matches(doc) {
			found = append(found, doc)
		}
	}
	sort.SliceStable(found, func(i, j int) bool { return found[i].Name < found[j].Name })
	if req.Limit > 0 && int64(len(found)) > req.Limit {
		found = found[:req.Limit]
	}

	stream.Results = func(push func(list.ListResult) bool) {
		var needs []string
		for _, doc := range found {
			result := req.NewListResult(ctx)
			result.DisplayName = doc.Name
			result.Diagnostics.Append(result.Identity.Set(ctx, connectionIdentityModel{ID: types.StringValue(doc.ID)})...)
			if req.IncludeResource {
				obj, d := listedObject(ctx, req, doc)
				result.Diagnostics.Append(d...)
				if !d.HasError() {
					result.Diagnostics.Append(result.Resource.Set(ctx, obj)...)
				}
			}
			if secrets := secretsToGive(doc); len(secrets) > 0 {
				needs = append(needs, fmt.Sprintf("%q (%s): %s", doc.Name, doc.ID, strings.Join(secrets, ", ")))
			}
			if !push(result) {
				return
			}
		}
		if len(needs) > 0 && req.IncludeResource {
			var w diag.Diagnostics
			w.AddWarning("Generated Configuration Needs Secrets",
				"integrator.io never shows secrets, so configuration generated from these connections has none. "+
					"Importing it changes nothing, but the next change to a connection sends its whole document, and "+
					"needs its secrets in the configuration first:\n  "+strings.Join(needs, "\n  "))
			push(list.ListResult{Diagnostics: w})
		}
	}
}

// matcher is the filters as one predicate over PostgreSQL connection documents.
func (f connectionListFilter) matcher() func(*client.Connection) bool {
	var name *regexp.Regexp
	if isSet(f.Name) {
		name = regexp.MustCompile("^" + strings.ReplaceAll(regexp.QuoteMeta(f.Name.ValueString()), `\*`, ".*") + "$")
	}
	return func(doc *client.Connection) bool {
		switch {
		case name != nil && !name.MatchString(doc.Name):
			return false
		case isSet(f.Host) && !strings.EqualFold(f.Host.ValueString(), doc.RDBMS.Host):
			return false
		case isSet(f.AgentID) && f.AgentID.ValueString() != doc.AgentID:
			return false
		case f.Mode.ValueString() == modeCloud && doc.AgentID != "":
			return false
		case f.Mode.ValueString() == modeOnPremise && doc.AgentID == "":
			return false
		}
		return true
	}
}

// secretsToGive names the attributes a configuration generated from doc must be given before the
// connection's next change: what integrator.io holds (masked) but never shows.
func secretsToGive(doc *client.Connection) []string {
	db := doc.RDBMS
	var out []string
	if db.Password != "" {
		out = append(out, "password or password_wo")
	}
	if db.SSL != nil {
		if client.IsMasked(db.SSL.CA) {
			out = append(out, "ssl_ca")
		}
		if client.IsMasked(db.SSL.Cert) {
			out = append(out, "ssl_certificate")
		}
		if db.SSL.Key != "" {
			out = append(out, "ssl_key or ssl_key_wo")
		}
		if db.SSL.Passphrase != "" {
			out = append(out, "ssl_passphrase or ssl_passphrase_wo")
		}
	}
	return out
}

// listedObject is the resource object of a listed connection: what an import of it reads.
func listedObject(ctx context.Context, req list.ListRequest, doc *client.Connection) (types.Object, diag.Diagnostics) {
	m := fromDocument(doc, emptyConnectionModel(), savedFacts{})
	typ, ok := req.ResourceSchema.Type().(attr.TypeWithAttributeTypes)
	if !ok {
		var diags diag.Diagnostics
		diags.AddError("Value Conversion Error", fmt.Sprintf("The resource schema's type %T has no attribute types. "+
			"This is always an error in the provider; please report it.", req.ResourceSchema.Type()))
		return types.Object{}, diags
	}
	return types.ObjectValue(typ.AttributeTypes(), m.attributes())
}
