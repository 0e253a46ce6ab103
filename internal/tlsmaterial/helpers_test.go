package tlsmaterial

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/youmark/pkcs8"
)

// now is the fixed instant the tests validate at; certificates are dated around it.
var now = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

const testPassphrase = "correct horse battery staple"

// Key generation dominates test time, so each kind of key is made once and shared.
var (
	rsaKeyOnce = sync.OnceValue(func() *rsa.PrivateKey { return must(rsa.GenerateKey(rand.Reader, 2048)) })
	ecKeyOnce  = sync.OnceValue(func() *ecdsa.PrivateKey { return must(ecdsa.GenerateKey(elliptic.P256(), rand.Reader)) })
	edKeyOnce  = sync.OnceValue(func() ed25519.PrivateKey {
		_, k := must2(ed25519.GenerateKey(rand.Reader))
		return k
	})
)

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func must2[A, B any](a A, b B, err error) (A, B) {
	if err != nil {
		panic(err)
	}
	return a, b
}

// issued is a certificate with its key, as PEM and parsed.
type issued struct {
	cert    *x509.Certificate
	certPEM string
	key     crypto.Signer
}

type certOpts struct {
	cn        string
	isCA      bool
	notBefore time.Time
	notAfter  time.Time
	dnsNames  []string
	ips       []net.IP
	key       crypto.Signer // defaults to a fresh P-256 key
}

// newCert issues a certificate for opts, signed by parent (self-signed when parent is nil).
func newCert(t testing.TB, parent *issued, opts certOpts) *issued {
	t.Helper()
	if opts.key == nil {
		opts.key = must(ecdsa.GenerateKey(elliptic.P256(), rand.Reader))
	}
	if opts.notBefore.IsZero() {
		opts.notBefore = now.Add(-24 * time.Hour)
	}
	if opts.notAfter.IsZero() {
		opts.notAfter = now.Add(365 * 24 * time.Hour)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          must(rand.Int(rand.Reader, big.NewInt(1<<62))),
		Subject:               pkix.Name{CommonName: opts.cn},
		NotBefore:             opts.notBefore,
		NotAfter:              opts.notAfter,
		DNSNames:              opts.dnsNames,
		IPAddresses:           opts.ips,
		BasicConstraintsValid: true,
		IsCA:                  opts.isCA,
	}
	if opts.isCA {
		tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature
	} else {
		tmpl.KeyUsage = x509.KeyUsageDigitalSignature
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}
	}
	issuer, signer := tmpl, opts.key
	if parent != nil {
		issuer, signer = parent.cert, parent.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, issuer, opts.key.Public(), signer)
	if err != nil {
		t.Fatalf("creating certificate %q: %v", opts.cn, err)
	}
	return &issued{
		cert:    must(x509.ParseCertificate(der)),
		certPEM: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		key:     opts.key,
	}
}

func pemOf(typ string, der []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
}

func pkcs8PEM(t testing.TB, key crypto.Signer) string {
	t.Helper()
	return pemOf("PRIVATE KEY", must(x509.MarshalPKCS8PrivateKey(key)))
}

// encryptedPKCS8PEM encrypts key as github.com/youmark/pkcs8 does, with opts (nil: its default,
// AES-256-CBC with PBKDF2-HMAC-SHA256).
func encryptedPKCS8PEM(t testing.TB, key crypto.Signer, passphrase string, opts *pkcs8.Opts) string {
	t.Helper()
	return pemOf("ENCRYPTED PRIVATE KEY", must(pkcs8.MarshalPrivateKey(key, []byte(passphrase), opts)))
}

// legacyEncryptedPEM encrypts key in the RFC 1421 format of `openssl rsa -aes256 -traditional`.
func legacyEncryptedPEM(t testing.TB, typ string, der []byte, passphrase string) string {
	t.Helper()
	b, err := x509.EncryptPEMBlock(rand.Reader, typ, der, []byte(passphrase), x509.PEMCipherAES256) //nolint:staticcheck // SA1019: the format under test.
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(b))
}

func readTestdata(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

var base64Run = regexp.MustCompile(`[A-Za-z0-9+/=]{16,}`)

// assertNoSecrets fails when msg quotes the passphrase or any stretch of the base64 body of
// keyPEM: error texts are shown in Terraform output and logs.
func assertNoSecrets(t testing.TB, msg, keyPEM, passphrase string) {
	t.Helper()
	// A passphrase of a few characters is found in any text by chance; real ones are longer.
	if len(passphrase) >= 4 && strings.Contains(msg, passphrase) {
		t.Errorf("message contains the passphrase: %s", msg)
	}
	var body strings.Builder
	for line := range strings.Lines(keyPEM) {
		line = strings.TrimSpace(line)
		if label, ok := strings.CutPrefix(line, "-----BEGIN "); ok {
			// Messages may name a block's type; that is not key material even when the body
			// happens to hold the same text (a fuzzer's favourite).
			msg = strings.ReplaceAll(msg, strings.TrimSuffix(label, "-----"), "")
		}
		if !strings.HasPrefix(line, "-----") && !strings.Contains(line, ":") {
			body.WriteString(line)
		}
	}
	for _, run := range base64Run.FindAllString(msg, -1) {
		if strings.Contains(body.String(), run) {
			t.Errorf("message quotes key material %q: %s", run, msg)
		}
	}
}
