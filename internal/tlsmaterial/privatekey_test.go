package tlsmaterial

import (
	"crypto"
	"crypto/x509"
	"errors"
	"strings"
	"testing"

	"github.com/youmark/pkcs8"
)

func TestParsePrivateKey_formats(t *testing.T) {
	t.Parallel()
	rsaKey, ecKey, edKey := rsaKeyOnce(), ecKeyOnce(), edKeyOnce()
	scrypt := &pkcs8.Opts{Cipher: pkcs8.AES128CBC, KDFOpts: pkcs8.ScryptOpts{SaltSize: 16, CostParameter: 1 << 14, BlockSize: 8, ParallelizationParameter: 1}}

	tests := []struct {
		name       string
		pem        string
		passphrase string
		want       crypto.Signer
		encrypted  bool
	}{
		{"RSA PKCS#1", pemOf("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rsaKey)), "", rsaKey, false},
		{"RSA PKCS#8", pkcs8PEM(t, rsaKey), "", rsaKey, false},
		{"ECDSA SEC 1", pemOf("EC PRIVATE KEY", must(x509.MarshalECPrivateKey(ecKey))), "", ecKey, false},
		{"ECDSA PKCS#8", pkcs8PEM(t, ecKey), "", ecKey, false},
		{"Ed25519 PKCS#8", pkcs8PEM(t, edKey), "", edKey, false},
		{"ECDSA SEC 1 after EC PARAMETERS", "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n" +
			pemOf("EC PRIVATE KEY", must(x509.MarshalECPrivateKey(ecKey))), "", ecKey, false},
		{"key after its certificate in one file", newCert(t, nil, certOpts{cn: "combined", key: ecKey}).certPEM + pkcs8PEM(t, ecKey), "", ecKey, false},
		{"CRLF line endings", strings.ReplaceAll(pkcs8PEM(t, ecKey), "\n", "\r\n"), "", ecKey, false},
		{"passphrase given for a plain key is ignored", pkcs8PEM(t, ecKey), testPassphrase, ecKey, false},
		{"encrypted PKCS#8 RSA, PBKDF2", encryptedPKCS8PEM(t, rsaKey, testPassphrase, nil), testPassphrase, rsaKey, true},
		{"encrypted PKCS#8 ECDSA, scrypt", encryptedPKCS8PEM(t, ecKey, testPassphrase, scrypt), testPassphrase, ecKey, true},
		{"encrypted PKCS#8 Ed25519, 3DES", encryptedPKCS8PEM(t, edKey, testPassphrase, &pkcs8.Opts{Cipher: pkcs8.TripleDESCBC, KDFOpts: pkcs8.DefaultOpts.KDFOpts}), testPassphrase, edKey, true},
		{"legacy encrypted RSA PKCS#1", legacyEncryptedPEM(t, "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rsaKey), testPassphrase), testPassphrase, rsaKey, true},
		{"legacy encrypted SEC 1", legacyEncryptedPEM(t, "EC PRIVATE KEY", must(x509.MarshalECPrivateKey(ecKey)), testPassphrase), testPassphrase, ecKey, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParsePrivateKey(tt.pem, tt.passphrase)
			if err != nil {
				t.Fatalf("ParsePrivateKey: %v", err)
			}
			if !got.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(tt.want.Public()) {
				t.Error("parsed key differs from the original")
			}
			if enc := IsEncryptedKey(tt.pem); enc != tt.encrypted {
				t.Errorf("IsEncryptedKey = %v, want %v", enc, tt.encrypted)
			}
		})
	}
}

// TestParsePrivateKey_openssl reads keys written by the openssl command line (testdata/README.md).
func TestParsePrivateKey_openssl(t *testing.T) {
	t.Parallel()
	const passphrase = "test-only-passphrase"
	tests := []struct{ file, plain string }{
		{"rsa-pkcs8-aes256-pbkdf2.pem", "rsa-plain.pem"},
		{"rsa-legacy-aes256.pem", "rsa-plain.pem"},
		{"ec-pkcs8-aes128-scrypt.pem", "ec-plain.pem"},
		{"ed25519-pkcs8-aes256-pbkdf2.pem", "ed25519-plain.pem"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			encrypted := readTestdata(t, tt.file)
			want := must(ParsePrivateKey(readTestdata(t, tt.plain), ""))
			if !IsEncryptedKey(encrypted) {
				t.Error("IsEncryptedKey = false, want true")
			}
			got, err := ParsePrivateKey(encrypted, passphrase)
			if err != nil {
				t.Fatalf("ParsePrivateKey: %v", err)
			}
			if !got.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(want.Public()) {
				t.Error("decrypted key differs from the plain original")
			}

			_, err = ParsePrivateKey(encrypted, "not-"+passphrase)
			if !errors.Is(err, ErrWrongPassphrase) {
				t.Errorf("wrong passphrase: err = %v, want ErrWrongPassphrase", err)
			}
			_, err = ParsePrivateKey(encrypted, "")
			if !errors.Is(err, ErrPassphraseRequired) {
				t.Errorf("no passphrase: err = %v, want ErrPassphraseRequired", err)
			}
		})
	}
}

func TestParsePrivateKey_errors(t *testing.T) {
	t.Parallel()
	ecKey := ecKeyOnce()
	cert := newCert(t, nil, certOpts{cn: "client", key: ecKey})
	plain := pkcs8PEM(t, ecKey)
	encrypted := encryptedPKCS8PEM(t, ecKey, testPassphrase, nil)
	legacy := legacyEncryptedPEM(t, "EC PRIVATE KEY", must(x509.MarshalECPrivateKey(ecKey)), testPassphrase)
	lines := strings.Split(plain, "\n")
	hugeIterations := encryptedPKCS8PEM(t, ecKey, testPassphrase, &pkcs8.Opts{Cipher: pkcs8.AES256CBC,
		KDFOpts: pkcs8.PBKDF2Opts{SaltSize: 8, IterationCount: maxPBKDF2Iterations + 1, HMACHash: crypto.SHA256}})
	gcm := encryptedPKCS8PEM(t, ecKey, testPassphrase, &pkcs8.Opts{Cipher: pkcs8.AES256GCM, KDFOpts: pkcs8.DefaultOpts.KDFOpts})

	tests := []struct {
		name       string
		pem        string
		passphrase string
		sentinel   error // nil: no sentinel expected
		want       string
	}{
		{"empty", " \n", "", ErrNotAPrivateKey,
			"not a private key: the value is empty: paste the whole PEM text, including the -----BEGIN PRIVATE KEY----- line"},
		{"no PEM", "just some text", "", ErrNotAPrivateKey,
			"not a private key: no PEM block found: paste the whole PEM text, including the -----BEGIN PRIVATE KEY----- line; with file(), check the path"},
		{"indented", "    " + strings.ReplaceAll(plain, "\n", "\n    "), "", ErrNotAPrivateKey,
			"not a private key: no PEM block found: the -----BEGIN PRIVATE KEY----- line must start at the beginning of a line; remove the indentation (a Terraform heredoc written <<-EOT strips it)"},
		{"literal backslash-n", strings.ReplaceAll(plain, "\n", `\n`), "", ErrNotAPrivateKey,
			`not a private key: the text holds literal \n sequences instead of line breaks; use file(), a heredoc, or replace(value, "\\n", "\n")`},
		{"binary DER", string(must(x509.MarshalPKCS8PrivateKey(ecKey))), "", ErrNotAPrivateKey,
			"not a private key: no PEM block found: the value looks like binary DER; convert it to PEM (for example: openssl x509 -inform DER -in file.der -out file.pem)"},
		{"truncated", strings.Join(lines[:len(lines)-2], "\n"), "", ErrNotAPrivateKey,
			"not a private key: PEM block 1 (PRIVATE KEY) is malformed: check that it ends with its matching -----END ...----- line and that the lines between were copied unchanged"},
		{"certificate", cert.certPEM, "", ErrNotAPrivateKey,
			"not a private key: PEM block 1 is a certificate; give the private key that belongs to the client certificate (-----BEGIN PRIVATE KEY-----, or RSA / EC PRIVATE KEY)"},
		{"public key", pemOf("PUBLIC KEY", must(x509.MarshalPKIXPublicKey(ecKey.Public()))), "", ErrNotAPrivateKey,
			"not a private key: PEM block 1 is a public key; give the private key that belongs to the client certificate (-----BEGIN PRIVATE KEY-----, or RSA / EC PRIVATE KEY)"},
		{"mislabelled", strings.ReplaceAll(plain, "PRIVATE KEY", "RSA PRIVATE KEY"), "", ErrNotAPrivateKey,
			`not a private key: the PEM block is labelled "RSA PRIVATE KEY" but holds a "PRIVATE KEY" key; correct its BEGIN and END lines`},
		{"garbage DER", pemOf("EC PRIVATE KEY", []byte("0123456789abcdef0123456789abcdef")), "", ErrNotAPrivateKey,
			"not a private key: the EC PRIVATE KEY block is not a valid SEC 1 EC private key (was it copied completely?)"},
		{"two keys", plain + plain, "", nil,
			"found 2 private keys; give only the one that belongs to the client certificate"},
		{"DSA", pemOf("DSA PRIVATE KEY", []byte{0x30, 0}), "", ErrUnsupportedKey,
			"unsupported private key: DSA keys cannot be used for TLS client authentication; use an RSA, ECDSA or Ed25519 key"},
		{"DSA PKCS#8 by openssl", readTestdata(t, "dsa-pkcs8.pem"), "", ErrUnsupportedKey,
			"unsupported private key: DSA keys cannot be used for TLS client authentication; use an RSA, ECDSA (P-256, P-384 or P-521) or Ed25519 key"},
		{"Ed448 by openssl", readTestdata(t, "ed448-pkcs8.pem"), "", ErrUnsupportedKey,
			"unsupported private key: Ed448 keys are not supported for TLS client authentication here; use an RSA, ECDSA (P-256, P-384 or P-521) or Ed25519 key"},
		{"X448 by openssl", readTestdata(t, "x448-pkcs8.pem"), "", ErrUnsupportedKey,
			"unsupported private key: an X448 key can only agree on keys, not sign a TLS handshake; use an RSA, ECDSA (P-256, P-384 or P-521) or Ed25519 key"},
		{"brainpool EC by openssl", readTestdata(t, "ec-brainpool-pkcs8.pem"), "", ErrUnsupportedKey,
			"unsupported private key: the EC key is on curve brainpoolP256r1, which TLS here does not support; use an RSA, ECDSA (P-256, P-384 or P-521) or Ed25519 key"},
		{"OpenSSH", pemOf("OPENSSH PRIVATE KEY", []byte("openssh-key-v1\x00")), "", ErrUnsupportedKey,
			"unsupported private key: this is an OpenSSH key; TLS needs a PEM key (convert a copy with: ssh-keygen -p -m PKCS8 -f copy_of_key)"},
		{"encrypted, no passphrase", encrypted, "", ErrPassphraseRequired,
			"the private key is encrypted but no passphrase was given: set ssl_passphrase"},
		{"encrypted, wrong passphrase", encrypted, "wrong " + testPassphrase, ErrWrongPassphrase,
			"the passphrase does not decrypt the private key: check ssl_passphrase, and that the key was copied unchanged"},
		{"legacy, no passphrase", legacy, "", ErrPassphraseRequired,
			"the private key is encrypted but no passphrase was given: set ssl_passphrase"},
		{"legacy, wrong passphrase", legacy, "wrong " + testPassphrase, ErrWrongPassphrase,
			"the passphrase does not decrypt the private key: check ssl_passphrase, and that the key was copied unchanged"},
		{"legacy, unknown cipher", strings.Replace(legacy, "AES-256-CBC", "CAMELLIA-256-CBC", 1), testPassphrase, ErrUnsupportedKey,
			"unsupported private key: the encrypted PEM key cannot be decrypted (x509: unknown encryption mode); convert it with: openssl pkcs8 -topk8 -v2 aes-256-cbc -in old.key -out new.key"},
		{"PBES1 by openssl", readTestdata(t, "ec-pkcs8-pbes1-3des.pem"), "test-only-passphrase", ErrUnsupportedKey,
			"unsupported private key: the key is encrypted with an obsolete scheme (OID 1.2.840.113549.1.12.1.3; PKCS#5 v1.5 or PKCS#12, the OpenSSL 1.0 default) instead of PBES2; convert it with: openssl pkcs8 -topk8 -v2 aes-256-cbc -in old.key -out new.key"},
		{"HMAC-SHA512 PRF by openssl", readTestdata(t, "ec-pkcs8-hmacsha512.pem"), "test-only-passphrase", ErrUnsupportedKey,
			"unsupported private key: the key uses PBKDF2 with PRF OID 1.2.840.113549.2.11; supported are hmacWithSHA1 and hmacWithSHA256 (OpenSSL's default); convert it with: openssl pkcs8 -topk8 -v2 aes-256-cbc -in old.key -out new.key"},
		{"AES-GCM", gcm, testPassphrase, ErrUnsupportedKey,
			"unsupported private key: the key is encrypted with cipher OID 2.16.840.1.101.3.4.1.46; supported are AES-128/192/256-CBC and DES-EDE3-CBC; convert it with: openssl pkcs8 -topk8 -v2 aes-256-cbc -in old.key -out new.key"},
		{"too many PBKDF2 iterations", hugeIterations, testPassphrase, ErrUnsupportedKey,
			"unsupported private key: the key asks for 10000001 PBKDF2 iterations; supported are 1 to 10000000; convert it with: openssl pkcs8 -topk8 -v2 aes-256-cbc -in old.key -out new.key"},
		{"encrypted, damaged", pemOf("ENCRYPTED PRIVATE KEY", []byte{0x30, 0x03, 0x02, 0x01, 0x00}), testPassphrase, ErrNotAPrivateKey,
			"not a private key: the ENCRYPTED PRIVATE KEY block is damaged (was it copied completely?)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			key, err := ParsePrivateKey(tt.pem, tt.passphrase)
			if err == nil {
				t.Fatalf("ParsePrivateKey succeeded with a %T, want an error", key)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("error:\n got: %s\nwant: %s", got, tt.want)
			}
			for _, s := range []error{ErrNotAPrivateKey, ErrPassphraseRequired, ErrWrongPassphrase, ErrUnsupportedKey} {
				if is := errors.Is(err, s); is != (s == tt.sentinel) { //nolint:errorlint // comparing sentinel identities, not a returned error
					t.Errorf("errors.Is(err, %q) = %v", s, is)
				}
			}
			assertNoSecrets(t, err.Error(), tt.pem, tt.passphrase)
		})
	}
}

func TestIsEncryptedKey_notAKey(t *testing.T) {
	t.Parallel()
	for _, text := range []string{"", "garbage", newCert(t, nil, certOpts{cn: "x"}).certPEM} {
		if IsEncryptedKey(text) {
			t.Errorf("IsEncryptedKey(%.20q) = true, want false", text)
		}
	}
}

func TestKeyMatchesCertificate(t *testing.T) {
	t.Parallel()
	keys := map[string]crypto.Signer{"RSA": rsaKeyOnce(), "ECDSA": ecKeyOnce(), "Ed25519": edKeyOnce()}
	for name, key := range keys {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c := newCert(t, nil, certOpts{cn: "client-" + name, key: key})
			if err := KeyMatchesCertificate(key, c.cert); err != nil {
				t.Errorf("own key: %v", err)
			}
			for other, otherKey := range keys {
				if other == name {
					continue
				}
				err := KeyMatchesCertificate(otherKey, c.cert)
				want := `the private key does not belong to certificate "CN=client-` + name + `" (serial ` + serial(c.cert) +
					`): give the key that was generated with this certificate, or the certificate issued for this key`
				if err == nil || err.Error() != want {
					t.Errorf("%s key:\n got: %v\nwant: %s", other, err, want)
				}
			}
		})
	}

	t.Run("same algorithm, other key", func(t *testing.T) {
		t.Parallel()
		c := newCert(t, nil, certOpts{})
		if err := KeyMatchesCertificate(ecKeyOnce(), c.cert); err == nil {
			t.Fatal("a different P-256 key matched")
		} else if want := "certificate with serial " + serial(c.cert) + ": "; !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name the serial as %q", err, want)
		}
	})
}
