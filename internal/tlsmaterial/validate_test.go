package tlsmaterial

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestValidate(t *testing.T) {
	t.Parallel()
	ca := newCert(t, nil, certOpts{cn: "db-ca", isCA: true})
	client := newCert(t, ca, certOpts{cn: "client", key: ecKeyOnce()})
	keyPEM := pkcs8PEM(t, client.key)
	encrypted := encryptedPKCS8PEM(t, client.key, testPassphrase, nil)
	expiredCA := newCert(t, nil, certOpts{cn: "old-ca", isCA: true,
		notBefore: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), notAfter: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)})
	futureClient := newCert(t, ca, certOpts{cn: "future", key: ecKeyOnce(),
		notBefore: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), notAfter: time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)})
	otherKey := pkcs8PEM(t, edKeyOnce())
	expiredClient := newCert(t, ca, certOpts{cn: "old-client", key: ecKeyOnce(),
		notBefore: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), notAfter: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)})

	tests := []struct {
		name string
		m    Material
		want []Problem
	}{
		{"nothing set", Material{}, nil},
		{"all good", Material{CA: ca.certPEM, Cert: client.certPEM, Key: keyPEM}, nil},
		{"all good, encrypted key", Material{CA: ca.certPEM, Cert: client.certPEM, Key: encrypted, Passphrase: testPassphrase}, nil},
		{"key alone is checked", Material{Key: keyPEM}, nil},
		{"bad CA", Material{CA: keyPEM}, []Problem{
			{FieldCA, SeverityError, "Invalid CA Certificate", "The CA certificate cannot be used: PEM block 1 is a private key, not a certificate: a private key belongs in ssl_key, never in a certificate field"},
		}},
		{"CA too large", Material{CA: strings.Repeat(ca.certPEM, MaxPEMSize/len(ca.certPEM)+1)}, []Problem{
			{FieldCA, SeverityError, "Invalid CA Certificate", fmt.Sprintf("The CA certificate cannot be used: the value is too large: %d KiB, more than the 256 KiB a PEM setting may hold; give only the PEM blocks needed (for ssl_ca, only the CAs that may sign the server's certificate)",
				((MaxPEMSize/len(ca.certPEM)+1)*len(ca.certPEM)+1023)>>10)},
		}},
		{"key too large", Material{Cert: client.certPEM, Key: keyPEM + strings.Repeat("#", MaxPEMSize)}, []Problem{
			{FieldKey, SeverityError, "Invalid Private Key", fmt.Sprintf("The private key cannot be used: the value is too large: %d KiB, more than the 256 KiB a PEM setting may hold; give only the PEM blocks needed (for ssl_ca, only the CAs that may sign the server's certificate)",
				(len(keyPEM)+MaxPEMSize+1023)>>10)},
		}},
		{"bad certificate", Material{Cert: "cert.pem", Key: keyPEM}, []Problem{
			{FieldCert, SeverityError, "Invalid Client Certificate", "The client certificate cannot be used: no PEM block found: paste the whole PEM text, including the -----BEGIN CERTIFICATE----- line; with file(), check the path"},
		}},
		{"bad key", Material{Cert: client.certPEM, Key: client.certPEM}, []Problem{
			{FieldKey, SeverityError, "Invalid Private Key", "The private key cannot be used: not a private key: PEM block 1 is a certificate; give the private key that belongs to the client certificate (-----BEGIN PRIVATE KEY-----, or RSA / EC PRIVATE KEY)"},
		}},
		{"passphrase missing", Material{Cert: client.certPEM, Key: encrypted}, []Problem{
			{FieldKey, SeverityError, "Private Key Passphrase Required", "The private key is encrypted, so its passphrase is needed: set ssl_passphrase."},
		}},
		{"passphrase wrong", Material{Cert: client.certPEM, Key: encrypted, Passphrase: "x" + testPassphrase}, []Problem{
			{FieldPassphrase, SeverityError, "Wrong Private Key Passphrase", "The passphrase does not decrypt the private key. Check ssl_passphrase, and that ssl_key was copied unchanged."},
		}},
		{"passphrase not needed", Material{Key: keyPEM, Passphrase: testPassphrase}, []Problem{
			{FieldPassphrase, SeverityWarning, "Passphrase Not Needed", "The private key is not encrypted, so ssl_passphrase is ignored. Remove it, or give the encrypted form of the key."},
		}},
		{"key of another certificate", Material{Cert: client.certPEM + ca.certPEM, Key: otherKey}, []Problem{
			{FieldKey, SeverityError, "Private Key Does Not Match Certificate", `The private key does not belong to certificate "CN=client" (serial ` + serial(client.cert) + `): give the key that was generated with this certificate, or the certificate issued for this key`},
		}},
		{"key of the second certificate of the chain", Material{Cert: ca.certPEM + client.certPEM, Key: keyPEM}, []Problem{
			{FieldKey, SeverityError, "Private Key Does Not Match Certificate", `The private key does not belong to certificate "CN=db-ca" (serial ` + serial(ca.cert) + `): give the key that was generated with this certificate, or the certificate issued for this key`},
		}},
		{"expired CA in a bundle, future client certificate", Material{CA: ca.certPEM + expiredCA.certPEM, Cert: futureClient.certPEM, Key: pkcs8PEM(t, futureClient.key)}, []Problem{
			{FieldCA, SeverityWarning, "CA Certificate Expired", `certificate "CN=old-ca" expired on 2024-01-01T00:00:00Z (valid from 2020-01-01T00:00:00Z to 2024-01-01T00:00:00Z). TLS connections that rely on it will fail until it is renewed.`},
			{FieldCert, SeverityWarning, "Client Certificate Not Yet Valid", `certificate "CN=future" is not valid until 2030-01-01T00:00:00Z (valid from 2030-01-01T00:00:00Z to 2031-01-01T00:00:00Z). TLS connections that rely on it will fail until then; check the clock of the machine that issued it.`},
		}},
		{"expired client certificate is an error", Material{CA: ca.certPEM, Cert: expiredClient.certPEM, Key: pkcs8PEM(t, expiredClient.key)}, []Problem{
			{FieldCert, SeverityError, "Client Certificate Expired", `certificate "CN=old-client" expired on 2024-01-01T00:00:00Z (valid from 2020-01-01T00:00:00Z to 2024-01-01T00:00:00Z). PostgreSQL refuses an expired client certificate, so this login cannot work: renew the certificate (with its key, if that changes too) and set the new one.`},
		}},
		{"leaf certificate as CA", Material{CA: client.certPEM}, []Problem{
			{FieldCA, SeverityWarning, "CA Certificate Is Not a Certificate Authority", `Certificate "CN=client" in ssl_ca is not a certificate authority (its basic constraints say CA:FALSE): it is most likely the server's own certificate. Verification then works only while the server presents exactly this certificate, and fails after its renewal; if a CA signed it, set ssl_ca to that CA's certificate instead.`},
		}},
		{"every field wrong at once", Material{CA: "x", Cert: "y", Key: "z", Passphrase: testPassphrase}, []Problem{
			{FieldCA, SeverityError, "Invalid CA Certificate", "The CA certificate cannot be used: no PEM block found: paste the whole PEM text, including the -----BEGIN CERTIFICATE----- line; with file(), check the path"},
			{FieldCert, SeverityError, "Invalid Client Certificate", "The client certificate cannot be used: no PEM block found: paste the whole PEM text, including the -----BEGIN CERTIFICATE----- line; with file(), check the path"},
			{FieldKey, SeverityError, "Invalid Private Key", "The private key cannot be used: not a private key: no PEM block found: paste the whole PEM text, including the -----BEGIN PRIVATE KEY----- line; with file(), check the path"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := tt.m.Validate(now)
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("Validate:\n got: %s\nwant: %s", dump(got), dump(tt.want))
			}
			for _, pr := range got {
				assertNoSecrets(t, pr.Summary+" "+pr.Detail, tt.m.Key, tt.m.Passphrase)
			}
		})
	}
}

func dump(ps []Problem) string {
	var b strings.Builder
	for _, p := range ps {
		fmt.Fprintf(&b, "\n  %s %s %q: %s", p.Severity, p.Field, p.Summary, p.Detail)
	}
	return b.String()
}
