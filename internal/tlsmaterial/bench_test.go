package tlsmaterial

import (
	"crypto/x509"
	"testing"
)

// Benchmarks for regression tracking: Validate runs at every plan of every resource with TLS.
// Encrypted keys are dominated by the key derivation (PBKDF2, 10,000 iterations by default).

func BenchmarkParsePrivateKey(b *testing.B) {
	rsaKey, ecKey, edKey := rsaKeyOnce(), ecKeyOnce(), edKeyOnce()
	cases := []struct{ name, pem, passphrase string }{
		{"RSA-2048/PKCS1", pemOf("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rsaKey)), ""},
		{"RSA-2048/PKCS8", pkcs8PEM(b, rsaKey), ""},
		{"ECDSA-P256/SEC1", pemOf("EC PRIVATE KEY", must(x509.MarshalECPrivateKey(ecKey))), ""},
		{"Ed25519/PKCS8", pkcs8PEM(b, edKey), ""},
		{"ECDSA-P256/encrypted-PKCS8-PBKDF2", encryptedPKCS8PEM(b, ecKey, testPassphrase, nil), testPassphrase},
		{"RSA-2048/openssl-PKCS8-PBKDF2", readTestdata(b, "rsa-pkcs8-aes256-pbkdf2.pem"), "test-only-passphrase"},
		{"ECDSA-P256/openssl-PKCS8-scrypt", readTestdata(b, "ec-pkcs8-aes128-scrypt.pem"), "test-only-passphrase"},
		{"RSA-2048/legacy-encrypted", legacyEncryptedPEM(b, "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rsaKey), testPassphrase), testPassphrase},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ParsePrivateKey(c.pem, c.passphrase); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkValidate(b *testing.B) {
	ca := newCert(b, nil, certOpts{cn: "db-ca", isCA: true})
	client := newCert(b, ca, certOpts{cn: "client", key: rsaKeyOnce()})
	cases := []struct {
		name string
		m    Material
	}{
		{"plain-key", Material{CA: ca.certPEM, Cert: client.certPEM, Key: pkcs8PEM(b, client.key)}},
		{"encrypted-key", Material{CA: ca.certPEM, Cert: client.certPEM, Key: encryptedPKCS8PEM(b, client.key, testPassphrase, nil), Passphrase: testPassphrase}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if p := c.m.Validate(now); len(p) != 0 {
					b.Fatal(p)
				}
			}
		})
	}
}
