package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/integratorio/terraform-provider-integratorio/internal/client"
)

// Every save sends rdbms.useSSL as the UI does, true or false, beside the ssl object it implies.
func TestToDocument_sendsUseSSL(t *testing.T) {
	t.Parallel()
	for _, on := range []bool{true, false} {
		m := emptyConnectionModel()
		m.Name, m.Host, m.Database, m.Username = types.StringValue("n"), types.StringValue("h"), types.StringValue("d"), types.StringValue("u")
		m.UseSSL = types.BoolValue(on)
		doc, diags := m.toDocument(t.Context(), secrets{Password: "p"})
		if diags.HasError() {
			t.Fatal(diags)
		}
		if doc.RDBMS.UseSSL == nil || *doc.RDBMS.UseSSL != on || (doc.RDBMS.SSL != nil) != on {
			t.Errorf("use_ssl = %v sends useSSL %v and ssl %v", on, doc.RDBMS.UseSSL, doc.RDBMS.SSL)
		}
	}
}

// rdbms.useSSL is read back when the document has it; without it, the earlier readings stand
// (an ssl object means SSL; a dropped empty one keeps use_ssl = true).
func TestFromDocument_readsUseSSL(t *testing.T) {
	t.Parallel()
	const ca = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
	priorWith := func(useSSL bool, caValue string) postgresConnectionModel {
		m := emptyConnectionModel()
		m.UseSSL = types.BoolValue(useSSL)
		if caValue != "" {
			m.SSLCA = types.StringValue(caValue)
		}
		return m
	}
	tests := []struct {
		name    string
		useSSL  *bool
		ssl     *client.SSL
		prior   postgresConnectionModel
		wantSSL bool
		wantCA  string // "" for null
	}{
		{"useSSL true with material", new(true), &client.SSL{CA: client.Masked}, priorWith(true, ca), true, ca},
		{"useSSL true, no ssl object, none expected", new(true), nil, priorWith(true, ""), true, ""},
		{"useSSL true, no ssl object, set in the UI", new(true), nil, priorWith(false, ""), true, ""},
		{"useSSL true, the CA state expects is gone", new(true), nil, priorWith(true, ca), true, ""},
		{"useSSL false wins over an ssl object", new(false), &client.SSL{CA: client.Masked}, priorWith(true, ca), false, ""},
		{"useSSL false, nothing", new(false), nil, priorWith(false, ""), false, ""},
		{"useSSL false after use_ssl = true", new(false), nil, priorWith(true, ""), false, ""},
		{"absent, an ssl object", nil, &client.SSL{CA: client.Masked}, priorWith(true, ca), true, ca},
		{"absent, an empty ssl object dropped", nil, nil, priorWith(true, ""), true, ""},
		{"absent, nothing", nil, nil, priorWith(false, ""), false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc := &client.Connection{ID: "62beb2c2a0f5f2144816f818", Type: client.ConnectionTypeRDBMS, Name: "n",
				RDBMS: &client.RDBMS{Type: client.RDBMSTypePostgreSQL, Host: "h", Database: "d", User: "u", UseSSL: tt.useSSL, SSL: tt.ssl}}
			m := fromDocument(doc, tt.prior, savedFacts{})
			if m.UseSSL.ValueBool() != tt.wantSSL {
				t.Errorf("use_ssl = %v, want %v", m.UseSSL.ValueBool(), tt.wantSSL)
			}
			if got := m.SSLCA.ValueString(); got != tt.wantCA {
				t.Errorf("ssl_ca = %q, want %q", got, tt.wantCA)
			}
			if m.SSLVerifyServerCertificate.IsNull() == tt.wantSSL {
				t.Errorf("ssl_verify_server_certificate = %v with use_ssl %v", m.SSLVerifyServerCertificate, tt.wantSSL)
			}
		})
	}
}
