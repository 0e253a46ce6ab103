package provider

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/integratorio/terraform-provider-integratorio/internal/pgcheck"
	"github.com/integratorio/terraform-provider-integratorio/internal/tlsmaterial"
)

// The direct check logs in with the document that will be saved, so both checks test exactly what
// integrator.io gets: write-only secrets included, TLS as the document says.
func TestDirectSettings_fromTheDocumentSent(t *testing.T) {
	t.Parallel()
	m := codecCases()["full"] // write-only key and passphrase, verification off, properties
	m.UseSSL = types.BoolValue(true)
	s := secretsFrom(m, m)
	doc, diags := m.toDocument(context.Background(), s)
	if diags.HasError() {
		t.Fatal(diags)
	}
	got := directSettings(doc, 7*time.Second)
	want := pgcheck.Settings{
		Host: m.Host.ValueString(), Port: int(m.Port.ValueInt64()), Database: m.Database.ValueString(),
		User: m.Username.ValueString(), Password: "write-only-password", UseSSL: true,
		SSL:                     tlsmaterial.Material{CA: "ca", Cert: "cert", Key: "write-only-key", Passphrase: "write-only-passphrase"},
		VerifyServerCertificate: false, Timeout: 7 * time.Second,
	}
	m.Properties.ElementsAs(context.Background(), &want.Options, false)
	if len(want.Options) == 0 {
		t.Fatal("the model has no properties: the test would not see them")
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("directSettings =\n %v\nwant\n %v", got, want)
	}

	// Without TLS nothing of it is used, and a document without a port logs in on 5432.
	m.UseSSL = types.BoolValue(false)
	doc, _ = m.toDocument(context.Background(), s)
	doc.RDBMS.Port = 0
	got = directSettings(doc, time.Second)
	if got.UseSSL || got.SSL != (tlsmaterial.Material{}) || !got.VerifyServerCertificate || got.Port != defaultPort {
		t.Errorf("without TLS: %v", got)
	}
}
