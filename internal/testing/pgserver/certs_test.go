package pgserver

import (
	"crypto/x509"
	"encoding/pem"
	"testing"
	"time"
)

// Every certificate a Server hands out is valid for a year, so the provider's warning about
// certificates expiring within 30 days never shows in a demo's or a test's plans.
func TestNewPKI_certificatesValidForAYear(t *testing.T) {
	t.Parallel()
	m, err := newPKI("cert_user")
	if err != nil {
		t.Fatal(err)
	}
	for name, text := range map[string]string{"ca": m.ca, "server": m.serverCert, "client": m.clientCert,
		"wrong ca": m.wrongCA, "wrong client": m.wrongClientCert} {
		block, _ := pem.Decode([]byte(text))
		if block == nil {
			t.Fatalf("%s: no PEM block", name)
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if left := time.Until(cert.NotAfter); left < 364*24*time.Hour {
			t.Errorf("%s certificate expires in %s, want a year", name, left.Round(time.Hour))
		}
	}
}
