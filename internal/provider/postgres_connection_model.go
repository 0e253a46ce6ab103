package provider

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/integratorio/terraform-provider-integratorio/internal/client"
)

// Connection modes, in the order the documentation lists them.
const (
	modeCloud     = "cloud"
	modeOnPremise = "on_premise"
)

var connectionModes = []string{modeCloud, modeOnPremise}

const (
	defaultPort             = 5432
	defaultConcurrencyLevel = 5
	// The account licences' concurrency limits: integrator.io quietly lowers a higher
	// concurrencyLevel to the account's limit, and no licence allows more than the extended one.
	standardConcurrencyCap = 25
	extendedConcurrencyCap = 50
)

// postgresConnectionModel is the Terraform side of integratorio_postgres_connection.
type postgresConnectionModel struct {
	ID                         types.String   `tfsdk:"id"`
	Name                       types.String   `tfsdk:"name"`
	Mode                       types.String   `tfsdk:"mode"`
	AgentID                    types.String   `tfsdk:"agent_id"`
	Host                       types.String   `tfsdk:"host"`
	Port                       types.Int64    `tfsdk:"port"`
	Database                   types.String   `tfsdk:"database"`
	Username                   types.String   `tfsdk:"username"`
	Password                   types.String   `tfsdk:"password"`
	PasswordWO                 types.String   `tfsdk:"password_wo"`
	PasswordWOVersion          types.Int64    `tfsdk:"password_wo_version"`
	UseSSL                     types.Bool     `tfsdk:"use_ssl"`
	SSLCA                      types.String   `tfsdk:"ssl_ca"`
	SSLCertificate             types.String   `tfsdk:"ssl_certificate"`
	SSLKey                     types.String   `tfsdk:"ssl_key"`
	SSLPassphrase              types.String   `tfsdk:"ssl_passphrase"`
	SSLKeyWO                   types.String   `tfsdk:"ssl_key_wo"`
	SSLPassphraseWO            types.String   `tfsdk:"ssl_passphrase_wo"`
	SSLKeyWOVersion            types.Int64    `tfsdk:"ssl_key_wo_version"`
	SSLVerifyServerCertificate types.Bool     `tfsdk:"ssl_verify_server_certificate"`
	ConcurrencyLevel           types.Int64    `tfsdk:"concurrency_level"`
	ConcurrencyLevelInForce    types.Int64    `tfsdk:"concurrency_level_in_force"`
	BorrowConcurrencyFrom      types.String   `tfsdk:"borrow_concurrency_from"`
	Properties                 types.Map      `tfsdk:"properties"`
	Offline                    types.Bool     `tfsdk:"offline"`
	ConnectivityCheck          types.Object   `tfsdk:"connectivity_check"`
	Timeouts                   timeouts.Value `tfsdk:"timeouts"`
}

// secrets are the values the API masks on read. They come from the plan, or from the
// configuration for write-only attributes, never from a document read back.
type secrets struct {
	Password   string
	Key        string
	Passphrase string
}

// secretsFrom gathers the secrets to send: plan values, with write-only values from config.
func secretsFrom(plan, config postgresConnectionModel) secrets {
	s := secrets{
		Password:   plan.Password.ValueString(),
		Key:        plan.SSLKey.ValueString(),
		Passphrase: plan.SSLPassphrase.ValueString(),
	}
	if !config.PasswordWO.IsNull() && !config.PasswordWO.IsUnknown() {
		s.Password = config.PasswordWO.ValueString()
	}
	if !config.SSLKeyWO.IsNull() && !config.SSLKeyWO.IsUnknown() {
		s.Key = config.SSLKeyWO.ValueString()
	}
	if !config.SSLPassphraseWO.IsNull() && !config.SSLPassphraseWO.IsUnknown() {
		s.Passphrase = config.SSLPassphraseWO.ValueString()
	}
	return s
}

// sslKey is the client key as configured, stored or write-only, with the attribute's name.
func (m postgresConnectionModel) sslKey() (types.String, string) {
	if isSet(m.SSLKeyWO) {
		return m.SSLKeyWO, "ssl_key_wo"
	}
	return m.SSLKey, "ssl_key"
}

// sslPassphrase is the key's passphrase as configured, stored or write-only, with its attribute.
func (m postgresConnectionModel) sslPassphrase() (types.String, string) {
	if isSet(m.SSLPassphraseWO) {
		return m.SSLPassphraseWO, "ssl_passphrase_wo"
	}
	return m.SSLPassphrase, "ssl_passphrase"
}

// hasSSLMaterial reports whether the model gives a CA, a client certificate or a key (stored or
// write-only): what integrator.io derives "SSL on" from.
func (m postgresConnectionModel) hasSSLMaterial() bool {
	key, _ := m.sslKey()
	return isSet(m.SSLCA) || isSet(m.SSLCertificate) || isSet(key) || isSet(m.SSLKeyWOVersion)
}

// hasVisibleSSLMaterial is hasSSLMaterial without the attributes integrator.io hides.
func (m postgresConnectionModel) hasVisibleSSLMaterial(hidden map[string]bool) bool {
	key, _ := m.sslKey()
	keySet := isSet(key) || isSet(m.SSLKeyWOVersion)
	return (isSet(m.SSLCA) && !hidden["ssl_ca"]) || (isSet(m.SSLCertificate) && !hidden["ssl_certificate"]) ||
		(keySet && !hidden["ssl_key"])
}

func (m postgresConnectionModel) onPremise() bool { return m.Mode.ValueString() == modeOnPremise }

// toDocument builds the full document a POST or PUT sends.
func (m postgresConnectionModel) toDocument(ctx context.Context, s secrets) (*client.Connection, diag.Diagnostics) {
	var diags diag.Diagnostics
	doc := &client.Connection{
		Type: client.ConnectionTypeRDBMS,
		Name: m.Name.ValueString(),
		RDBMS: &client.RDBMS{
			Type:     client.RDBMSTypePostgreSQL,
			Host:     m.Host.ValueString(),
			Port:     client.Port(m.Port.ValueInt64()),
			Database: m.Database.ValueString(),
			User:     m.Username.ValueString(),
			Password: s.Password,
		},
	}
	if m.onPremise() {
		doc.AgentID = m.AgentID.ValueString()
	}
	if v := m.BorrowConcurrencyFrom.ValueString(); v != "" {
		doc.BorrowConcurrencyFromConnectionID = v
	} else if !m.ConcurrencyLevel.IsNull() && !m.ConcurrencyLevel.IsUnknown() {
		doc.RDBMS.ConcurrencyLevel = int(m.ConcurrencyLevel.ValueInt64())
	}
	// The UI sends its "Use SSL" box with every save, true or false.
	doc.RDBMS.UseSSL = new(m.UseSSL.ValueBool())
	if m.UseSSL.ValueBool() {
		doc.RDBMS.SSL = &client.SSL{
			CA:         m.SSLCA.ValueString(),
			Cert:       m.SSLCertificate.ValueString(),
			Key:        s.Key,
			Passphrase: s.Passphrase,
		}
		doc.RDBMS.DisableStrictSSL = !m.SSLVerifyServerCertificate.IsNull() && !m.SSLVerifyServerCertificate.ValueBool()
	}
	if !m.Properties.IsNull() && !m.Properties.IsUnknown() {
		props := map[string]string{}
		diags.Append(m.Properties.ElementsAs(ctx, &props, false)...)
		names := make([]string, 0, len(props))
		for name := range props {
			names = append(names, name)
		}
		sort.Strings(names) // a stable order keeps request bodies comparable
		for _, name := range names {
			doc.RDBMS.Options = append(doc.RDBMS.Options, client.Option{Name: name, Value: props[name]})
		}
	}
	return doc, diags
}

// fromDocument returns the model that a document read from the API describes. Secrets come back
// masked, so they are kept from prior; write-only and Terraform-only attributes are kept too.
// saved is what integrator.io answered to this provider's last save (private state).
func fromDocument(doc *client.Connection, prior postgresConnectionModel, saved savedFacts) postgresConnectionModel {
	m := prior
	db := doc.RDBMS
	m.ID = types.StringValue(doc.ID)
	m.Name = types.StringValue(doc.Name)
	m.Offline = types.BoolValue(doc.Offline)
	m.Host = types.StringValue(db.Host)
	m.Database = types.StringValue(db.Database)
	m.Username = types.StringValue(db.User)

	port := int64(db.Port)
	if port == 0 {
		port = defaultPort
	}
	m.Port = types.Int64Value(port)

	if doc.AgentID != "" {
		m.Mode, m.AgentID = types.StringValue(modeOnPremise), types.StringValue(doc.AgentID)
	} else {
		m.Mode, m.AgentID = types.StringValue(modeCloud), types.StringNull()
	}

	m.BorrowConcurrencyFrom = optionalString(doc.BorrowConcurrencyFromConnectionID)
	m.ConcurrencyLevel = readConcurrencyLevel(doc, prior.ConcurrencyLevel, saved.level)
	m.ConcurrencyLevelInForce = levelInForce(doc)

	// A field that integrator.io did not show right after the provider saved it is hidden, not
	// removed, when it is absent again.
	readAs := func(readValue func(string, types.String) types.String) func(string, string, types.String) types.String {
		return func(attribute, remote string, prior types.String) types.String {
			if remote == "" && saved.hidden[attribute] && !prior.IsUnknown() {
				return prior
			}
			return readValue(remote, prior)
		}
	}
	read, readCert := readAs(readSecret), readAs(readCertificate)
	m.Password = read("password", db.Password, prior.Password)
	// rdbms.useSSL, when the document has it, is the UI's box and says whether SSL is on;
	// without it, SSL is on when the document has an ssl object, as before.
	useSSL := db.SSLOn()
	switch {
	case useSSL && db.SSL != nil:
		m.UseSSL = types.BoolValue(true)
		// Certificates are public, but the API may mask them too: read them like secrets.
		m.SSLCA = readCert("ssl_ca", db.SSL.CA, prior.SSLCA)
		m.SSLCertificate = readCert("ssl_certificate", db.SSL.Cert, prior.SSLCertificate)
		m.SSLKey = read("ssl_key", db.SSL.Key, prior.SSLKey)
		m.SSLPassphrase = read("ssl_passphrase", db.SSL.Passphrase, prior.SSLPassphrase)
		m.SSLVerifyServerCertificate = types.BoolValue(!db.DisableStrictSSL)
	case useSSL:
		// The box is on and integrator.io shows no ssl object: material that state expects to
		// see is gone (drift); material it never shows is kept.
		m.UseSSL = types.BoolValue(true)
		if !prior.UseSSL.ValueBool() || prior.hasVisibleSSLMaterial(saved.hidden) {
			m.SSLCA, m.SSLCertificate, m.SSLKey, m.SSLPassphrase = types.StringNull(), types.StringNull(), types.StringNull(), types.StringNull()
		}
		m.SSLVerifyServerCertificate = types.BoolValue(!db.DisableStrictSSL)
	case db.UseSSL == nil && prior.UseSSL.ValueBool() && !prior.hasVisibleSSLMaterial(saved.hidden):
		// use_ssl = true without material (or with material integrator.io does not show) is sent
		// as an ssl object that integrator.io may drop from what it shows: its absence is then
		// what was saved, not drift.
		m.SSLVerifyServerCertificate = types.BoolValue(!db.DisableStrictSSL)
	default:
		m.UseSSL = types.BoolValue(false)
		m.SSLCA, m.SSLCertificate, m.SSLKey, m.SSLPassphrase = types.StringNull(), types.StringNull(), types.StringNull(), types.StringNull()
		m.SSLVerifyServerCertificate = types.BoolNull() // meaningless without TLS (see verifyFollowsUseSSL)
	}

	m.Properties = readProperties(db.Options, prior.Properties)
	return m
}

// readSecret maps a secret (password, key, passphrase) read back to what state holds: the mask
// says "something is set", so the prior value stands; an absent secret is null, which shows as
// drift if one was expected. A secret integrator.io returned unmasked (it never should) is never
// recorded: the prior value stands (null for a write-only one), so a password_wo user never
// finds the password in state; unmaskedSecrets names such fields for a warning.
func readSecret(remote string, prior types.String) types.String {
	switch {
	case remote == "":
		return types.StringNull()
	case prior.IsUnknown():
		return types.StringNull()
	default:
		return prior
	}
}

// readCertificate reads ssl_ca or ssl_certificate: public material that integrator.io may mask
// (Celigo's schema marks it write-only) or return as sent; either is recorded.
func readCertificate(remote string, prior types.String) types.String {
	switch {
	case client.IsMasked(remote):
		if prior.IsUnknown() {
			return types.StringNull()
		}
		return prior
	case remote == "":
		return types.StringNull()
	case !prior.IsNull() && !prior.IsUnknown() && prior.ValueString() == remote:
		return prior
	default:
		return types.StringValue(remote)
	}
}

// unmaskedSecrets names the secret fields of doc that integrator.io returned in clear instead of
// "******": a service regression the user should hear of, since the value was in the answer.
func unmaskedSecrets(doc *client.Connection) []string {
	var fields []string
	add := func(field, value string) {
		if value != "" && !client.IsMasked(value) {
			fields = append(fields, field)
		}
	}
	add("rdbms.password", doc.RDBMS.Password)
	if doc.RDBMS.SSL != nil {
		add("rdbms.ssl.key", doc.RDBMS.SSL.Key)
		add("rdbms.ssl.passphrase", doc.RDBMS.SSL.Passphrase)
	}
	return fields
}

// warnUnmaskedSecrets warns when a read answer carried secrets unmasked; nothing of them is kept.
func warnUnmaskedSecrets(doc *client.Connection, diags *diag.Diagnostics) {
	fields := unmaskedSecrets(doc)
	if len(fields) == 0 {
		return
	}
	diags.AddWarning("integrator.io Returned a Secret Unmasked",
		fmt.Sprintf("integrator.io answered the read of connection %s with %s in clear text instead of masked (\"******\"). "+
			"The provider did not record it: state keeps what it held before (nothing, for a write-only attribute), so a "+
			"change made to it outside Terraform is not shown. integrator.io should never return secrets; report this to "+
			"Celigo support, and consider the secret exposed to whatever logged that answer.", doc.ID, strings.Join(fields, ", ")))
}

// readConcurrencyLevel returns the level to record. A borrowing connection has none of its own.
// integrator.io quietly lowers a level above the account's licence. saved is the level it held
// right after this provider's last save (private state, see readSavedFacts; null when none): while it still holds
// exactly that, a lower level than the prior state's is that lowering (warned about at apply),
// not drift, and the prior value stands so that it is not a diff on every plan. Any other level
// was set outside Terraform and is recorded as it is.
func readConcurrencyLevel(doc *client.Connection, prior types.Int64, saved types.Int64) types.Int64 {
	if doc.BorrowConcurrencyFromConnectionID != "" {
		return types.Int64Null()
	}
	level := serverConcurrencyLevel(doc)
	if !saved.IsNull() && level == saved.ValueInt64() && !prior.IsNull() && !prior.IsUnknown() && prior.ValueInt64() > level {
		return prior
	}
	return types.Int64Value(level)
}

func readProperties(options []client.Option, prior types.Map) types.Map {
	if len(options) == 0 {
		if !prior.IsNull() && !prior.IsUnknown() && len(prior.Elements()) == 0 {
			return prior // keep an explicit empty map as written
		}
		return types.MapNull(types.StringType)
	}
	elems := make(map[string]attr.Value, len(options))
	for _, o := range options {
		elems[o.Name] = types.StringValue(o.Value)
	}
	return basetypes.NewMapValueMust(types.StringType, elems)
}

// writeOnlyInUse maps each secret attribute to its write-only twin where the connection uses the
// twin (given in the configuration, or its version set in a plan, where write-only values are
// null), so that messages name the attribute the user wrote.
func (m postgresConnectionModel) writeOnlyInUse() map[string]string {
	wo := map[string]string{}
	if isSet(m.PasswordWO) || (!isSet(m.Password) && isSet(m.PasswordWOVersion)) {
		wo["password"] = "password_wo"
	}
	if isSet(m.SSLKeyWO) || (!isSet(m.SSLKey) && isSet(m.SSLKeyWOVersion)) {
		wo["ssl_key"] = "ssl_key_wo"
	}
	if isSet(m.SSLPassphraseWO) || (!isSet(m.SSLPassphrase) && isSet(m.SSLKeyWOVersion)) {
		wo["ssl_passphrase"] = "ssl_passphrase_wo"
	}
	return wo
}

// levelInForce is the concurrency level integrator.io applies to a connection, as its document
// says; null for a connection that borrows another's limit.
func levelInForce(doc *client.Connection) types.Int64 {
	if doc == nil || doc.BorrowConcurrencyFromConnectionID != "" {
		return types.Int64Null()
	}
	return types.Int64Value(serverConcurrencyLevel(doc))
}

// serverConcurrencyLevel is the level integrator.io applies to a connection of its own.
func serverConcurrencyLevel(doc *client.Connection) int64 {
	if doc.RDBMS == nil || doc.RDBMS.ConcurrencyLevel == 0 {
		return defaultConcurrencyLevel
	}
	return int64(doc.RDBMS.ConcurrencyLevel)
}

// emptyConnectionModel is a model whose every attribute is null, of its schema's type: the prior
// state of a connection read for the first time (list results, the data source).
var emptyConnectionModel = sync.OnceValue(func() postgresConnectionModel {
	ctx := context.Background()
	var resp resource.SchemaResponse
	NewPostgresConnectionResource().Schema(ctx, resource.SchemaRequest{}, &resp)
	typ, ok := resp.Schema.Type().(attr.TypeWithAttributeTypes)
	if !ok {
		panic(fmt.Sprintf("integratorio_postgres_connection schema type %T has no attribute types", resp.Schema.Type()))
	}
	nulls := map[string]attr.Value{}
	for name, t := range typ.AttributeTypes() {
		v, err := t.ValueFromTerraform(ctx, tftypes.NewValue(t.TerraformType(ctx), nil))
		if err != nil {
			panic(fmt.Sprintf("null value of %s: %s", name, err))
		}
		nulls[name] = v
	}
	var diags diag.Diagnostics
	m := modelFromAttributes(nulls, &diags)
	if diags.HasError() {
		panic(fmt.Sprintf("empty integratorio_postgres_connection model: %v", diags))
	}
	return m
})

func notPostgres(doc *client.Connection) string {
	switch {
	case doc.Type != client.ConnectionTypeRDBMS:
		return fmt.Sprintf("is of type %q, not %q", doc.Type, client.ConnectionTypeRDBMS)
	case doc.RDBMS == nil:
		return "has no database settings"
	case doc.RDBMS.Type != client.RDBMSTypePostgreSQL:
		return fmt.Sprintf("is a %q database connection, not %q", doc.RDBMS.Type, client.RDBMSTypePostgreSQL)
	}
	return ""
}
