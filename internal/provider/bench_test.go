package provider

// Benchmarks of the provider's hot pure-Go paths: what runs once per resource on every plan
// (validation, PEM parsing, reading a document back into the model) and on every write (building
// the document). Compare runs with benchstat:
//
//	go test ./internal/provider -run '^$' -bench . -count 10 > new.txt && benchstat old.txt new.txt
//
// None of them asserts a duration: a slow machine makes them slower, never failing.

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/youmark/pkcs8"

	"github.com/integratorio/terraform-provider-integratorio/internal/client"
)

// benchPEM is TLS material like a user's: a CA, a client certificate it signed, and the client
// key plain and encrypted (PKCS#8 with the library's default KDF).
type benchPEM struct {
	CA, Cert, Key, EncryptedKey, Passphrase string
}

var (
	benchPEMOnce  sync.Once
	benchPEMValue benchPEM
	benchPEMErr   error
)

func benchMaterial(b *testing.B) benchPEM {
	b.Helper()
	benchPEMOnce.Do(func() { benchPEMValue, benchPEMErr = makeBenchPEM() })
	if benchPEMErr != nil {
		b.Fatal(benchPEMErr)
	}
	return benchPEMValue
}

func makeBenchPEM() (benchPEM, error) {
	now := time.Now()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return benchPEM{}, err
	}
	caTemplate := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "bench CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(365 * 24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTemplate, caTemplate, &caKey.PublicKey, caKey)
	if err != nil {
		return benchPEM{}, err
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return benchPEM{}, err
	}
	clientKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return benchPEM{}, err
	}
	clientDER, err := x509.CreateCertificate(rand.Reader, &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "cert_user"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(365 * 24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}, ca, &clientKey.PublicKey, caKey)
	if err != nil {
		return benchPEM{}, err
	}
	plainDER, err := x509.MarshalPKCS8PrivateKey(clientKey)
	if err != nil {
		return benchPEM{}, err
	}
	const passphrase = "bench-passphrase"
	encryptedDER, err := pkcs8.MarshalPrivateKey(clientKey, []byte(passphrase), nil)
	if err != nil {
		return benchPEM{}, err
	}
	enc := func(typ string, der []byte) string {
		return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
	}
	return benchPEM{
		CA:           enc("CERTIFICATE", caDER),
		Cert:         enc("CERTIFICATE", clientDER),
		Key:          enc("PRIVATE KEY", plainDER),
		EncryptedKey: enc("ENCRYPTED PRIVATE KEY", encryptedDER),
		Passphrase:   passphrase,
	}, nil
}

// benchModel is a fully set connection model, as plan hands it to Create.
func benchModel(p benchPEM) postgresConnectionModel {
	return postgresConnectionModel{
		ID:                         types.StringValue("0123456789abcdef01234567"),
		Name:                       types.StringValue("Orders DB"),
		Mode:                       types.StringValue(modeCloud),
		AgentID:                    types.StringNull(),
		Host:                       types.StringValue("orders.db.example.com"),
		Port:                       types.Int64Value(5432),
		Database:                   types.StringValue("orders"),
		Username:                   types.StringValue("app"),
		Password:                   types.StringValue("s3cret-password"),
		PasswordWO:                 types.StringNull(),
		PasswordWOVersion:          types.Int64Null(),
		UseSSL:                     types.BoolValue(true),
		SSLCA:                      types.StringValue(p.CA),
		SSLCertificate:             types.StringValue(p.Cert),
		SSLKey:                     types.StringValue(p.Key),
		SSLPassphrase:              types.StringNull(),
		SSLVerifyServerCertificate: types.BoolValue(true),
		ConcurrencyLevel:           types.Int64Value(10),
		BorrowConcurrencyFrom:      types.StringNull(),
		Properties: types.MapValueMust(types.StringType, map[string]attr.Value{
			"statement_timeout": types.StringValue("30000"),
			"search_path":       types.StringValue("app,public"),
		}),
		Offline:           types.BoolValue(false),
		ConnectivityCheck: types.ObjectNull(map[string]attr.Type{"direct": types.BoolType, "via_api": types.BoolType, "timeout": types.StringType}),
	}
}

func BenchmarkToDocument(b *testing.B) {
	m := benchModel(benchMaterial(b))
	s := secretsFrom(m, m)
	ctx := context.Background()
	for b.Loop() {
		if _, diags := m.toDocument(ctx, s); diags.HasError() {
			b.Fatal(diags)
		}
	}
}

// BenchmarkFromDocument reads back what the API answers: secrets masked, so prior values stand.
func BenchmarkFromDocument(b *testing.B) {
	m := benchModel(benchMaterial(b))
	doc, diags := m.toDocument(context.Background(), secretsFrom(m, m))
	if diags.HasError() {
		b.Fatal(diags)
	}
	doc.ID = m.ID.ValueString()
	doc.RDBMS.Password, doc.RDBMS.SSL.Key = client.Masked, client.Masked
	for b.Loop() {
		next := fromDocument(doc, m, savedFacts{level: types.Int64Value(10)})
		if !next.Name.Equal(m.Name) {
			b.Fatal("the name did not survive the round trip")
		}
	}
}

func BenchmarkHostProblem(b *testing.B) {
	for _, host := range []string{
		"orders.db.example.com",
		"10.0.0.5",
		"2001:db8::1",
		"postgres://db.example.com:5432/orders", // refused: a URL
		"db.example.com:5432",                   // refused: a port
	} {
		b.Run(host, func(b *testing.B) {
			for b.Loop() {
				_ = hostProblem(host)
			}
		})
	}
}

// BenchmarkValidateTLSMaterial is the plan-time check of every resource's PEM input, through
// the same function ValidateConfig calls.
func BenchmarkValidateTLSMaterial(b *testing.B) {
	p := benchMaterial(b)
	cases := []struct {
		name string
		set  func(*postgresConnectionModel)
	}{
		{"ca", func(m *postgresConnectionModel) {
			m.SSLCertificate, m.SSLKey = types.StringNull(), types.StringNull()
		}},
		{"ca+cert+key", func(*postgresConnectionModel) {}},
		{"ca+cert+encrypted-key", func(m *postgresConnectionModel) {
			m.SSLKey, m.SSLPassphrase = types.StringValue(p.EncryptedKey), types.StringValue(p.Passphrase)
		}},
	}
	for _, c := range cases {
		m := benchModel(p)
		c.set(&m)
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				var diags diag.Diagnostics
				validateTLSMaterial(m, &diags)
				if diags.HasError() {
					b.Fatal(diags)
				}
			}
		})
	}
}

// BenchmarkConnectionReaderSnapshotHit is a refresh read answered from a shared listing (each
// read takes its document, so the snapshot is refilled, untimed, whenever it empties).
func BenchmarkConnectionReaderSnapshotHit(b *testing.B) {
	const n = 500
	f := newFakeLister(n)
	close(f.release)
	r := newConnectionReader(f)
	refill := func() {
		conns, _ := f.List(context.Background())
		r.snapshot = make(map[string]*client.Connection, n)
		for i := range conns {
			r.snapshot[conns[i].ID] = &conns[i]
		}
		r.takenAt = r.now()
	}
	ctx := context.Background()
	i := 0
	for b.Loop() {
		if i%n == 0 {
			b.StopTimer()
			refill()
			b.StartTimer()
		}
		if _, err := r.Get(ctx, fmt.Sprintf("%024x", i%n)); err != nil {
			b.Fatal(err)
		}
		i++
	}
	if f.gets.Load() != 0 {
		b.Fatalf("%d reads went to the server", f.gets.Load())
	}
}
