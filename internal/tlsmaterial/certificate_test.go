package tlsmaterial

import (
	"crypto/x509"
	"strings"
	"testing"
	"time"
)

func TestParseCertificates(t *testing.T) {
	t.Parallel()
	ca := newCert(t, nil, certOpts{cn: "db-ca", isCA: true})
	leaf := newCert(t, ca, certOpts{cn: "client"})

	tests := []struct {
		name string
		pem  string
		want []string // subject CNs in order
	}{
		{"one", ca.certPEM, []string{"db-ca"}},
		{"chain", leaf.certPEM + ca.certPEM, []string{"client", "db-ca"}},
		{"bundle with comments", "# Our CA\n" + ca.certPEM + "\nsubject=CN=client\nissuer=CN=db-ca\n" + leaf.certPEM + "trailing text", []string{"db-ca", "client"}},
		{"CRLF", strings.ReplaceAll(ca.certPEM, "\n", "\r\n"), []string{"db-ca"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			certs, err := ParseCertificates(tt.pem)
			if err != nil {
				t.Fatalf("ParseCertificates: %v", err)
			}
			var got []string
			for _, c := range certs {
				got = append(got, c.Subject.CommonName)
			}
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("got certificates %v, want %v", got, tt.want)
			}
		})
	}
}

func TestParseCertificates_errors(t *testing.T) {
	t.Parallel()
	ca := newCert(t, nil, certOpts{cn: "db-ca", isCA: true})
	keyPEM := pkcs8PEM(t, ecKeyOnce())
	lines := strings.Split(ca.certPEM, "\n")
	corrupt := strings.Join(append(append(append([]string{}, lines[:3]...), "!!not base64!!"), lines[3:]...), "\n")

	tests := []struct {
		name string
		pem  string
		want string
	}{
		{"empty", "", "the value is empty: paste the whole PEM text, including the -----BEGIN CERTIFICATE----- line"},
		{"no PEM", "/etc/ssl/ca.pem", "no PEM block found: paste the whole PEM text, including the -----BEGIN CERTIFICATE----- line; with file(), check the path"},
		{"DER", string(ca.cert.Raw), "no PEM block found: the value looks like binary DER; convert it to PEM (for example: openssl x509 -inform DER -in file.der -out file.pem)"},
		{"private key", keyPEM, "PEM block 1 is a private key, not a certificate: a private key belongs in ssl_key, never in a certificate field"},
		{"private key after a certificate", ca.certPEM + keyPEM, "PEM block 2 is a private key, not a certificate: a private key belongs in ssl_key, never in a certificate field"},
		{"CSR", pemOf("CERTIFICATE REQUEST", []byte{1}), "PEM block 1 is a certificate signing request (CSR), not a certificate: give the certificate that was issued for it instead"},
		{"odd type", pemOf("FOO", []byte{1}), `PEM block 1 is a "FOO" block, not a certificate: remove it and keep only -----BEGIN CERTIFICATE----- blocks`},
		{"bad DER in second block", ca.certPEM + pemOf("CERTIFICATE", []byte("not DER")), "PEM block 2 is not a valid X.509 certificate (was it copied completely?): x509: malformed certificate"},
		{"corrupt base64 in a bundle", ca.certPEM + corrupt, "PEM block 2 (CERTIFICATE) is malformed: check that it ends with its matching -----END ...----- line and that the lines between were copied unchanged"},
		{"missing END", strings.TrimSuffix(ca.certPEM, "-----END CERTIFICATE-----\n"), "PEM block 1 (CERTIFICATE) is malformed: check that it ends with its matching -----END ...----- line and that the lines between were copied unchanged"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			certs, err := ParseCertificates(tt.pem)
			if err == nil {
				t.Fatalf("ParseCertificates returned %d certificates, want an error", len(certs))
			}
			if err.Error() != tt.want {
				t.Errorf("error:\n got: %s\nwant: %s", err, tt.want)
			}
			assertNoSecrets(t, err.Error(), keyPEM, "")
		})
	}
}

func TestValidityProblem(t *testing.T) {
	t.Parallel()
	c := &x509.Certificate{
		NotBefore: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:  time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	c.Subject.CommonName = "db-ca"
	tests := []struct {
		at   time.Time
		want string
	}{
		{c.NotBefore, ""},
		{c.NotAfter, ""},
		{c.NotAfter.Add(time.Second), `certificate "CN=db-ca" expired on 2025-01-01T00:00:00Z (valid from 2024-01-01T00:00:00Z to 2025-01-01T00:00:00Z)`},
		{c.NotBefore.Add(-time.Second), `certificate "CN=db-ca" is not valid until 2024-01-01T00:00:00Z (valid from 2024-01-01T00:00:00Z to 2025-01-01T00:00:00Z)`},
		// Dates are shown in UTC whatever the zone of now.
		{c.NotAfter.In(time.FixedZone("X", 3600)).Add(time.Hour), `certificate "CN=db-ca" expired on 2025-01-01T00:00:00Z (valid from 2024-01-01T00:00:00Z to 2025-01-01T00:00:00Z)`},
	}
	for _, tt := range tests {
		if got := ValidityProblem(c, tt.at); got != tt.want {
			t.Errorf("ValidityProblem at %s:\n got: %s\nwant: %s", tt.at, got, tt.want)
		}
	}
}
