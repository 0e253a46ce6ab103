package tlsmaterial

import (
	"errors"
	"testing"
	"time"
)

// The seed corpora live in testdata/fuzz/ (see testdata/README.md). Run longer with
// go test -fuzz=FuzzParsePrivateKey ./internal/tlsmaterial

func FuzzParseCertificates(f *testing.F) {
	f.Add("")
	f.Add("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n")
	f.Fuzz(func(t *testing.T, text string) {
		certs, err := ParseCertificates(text)
		if err == nil && len(certs) == 0 {
			t.Fatal("no error and no certificate")
		}
		for _, c := range certs {
			_ = ValidityProblem(c, time.Now())
		}
		// The text may hold a key pasted by mistake; it must never come back in the error.
		if err != nil {
			assertNoSecrets(t, err.Error(), text, "")
		}
	})
}

func FuzzParsePrivateKey(f *testing.F) {
	f.Add("", "")
	f.Add("-----BEGIN ENCRYPTED PRIVATE KEY-----\nMAA=\n-----END ENCRYPTED PRIVATE KEY-----\n", "x")
	f.Fuzz(func(t *testing.T, text, passphrase string) {
		key, err := ParsePrivateKey(text, passphrase)
		switch {
		case err == nil && key == nil:
			t.Fatal("no error and no key")
		case err == nil:
			return
		case errors.Is(err, ErrPassphraseRequired) && (passphrase != "" || !IsEncryptedKey(text)):
			t.Fatalf("ErrPassphraseRequired for an unencrypted key or with a passphrase: %v", err)
		}
		// Short passphrases can occur in any sentence by chance; long ones must not appear.
		if len(passphrase) < 8 {
			passphrase = ""
		}
		assertNoSecrets(t, err.Error(), text, passphrase)
	})
}
