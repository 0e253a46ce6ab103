package pgserver

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"time"

	"github.com/youmark/pkcs8"
)

// certValidity is a year: the provider warns about certificates that expire within 30 days, and
// a demo's or a test's plans must not. The keys are throwaway ones, made fresh at every start.
const certValidity = 365 * 24 * time.Hour

// authority is a CA able to sign further certificates.
type authority struct {
	cert *x509.Certificate
	key  crypto.Signer
	pem  string
}

// pkiMaterial is every certificate and key a Server hands out or configures.
type pkiMaterial struct {
	ca, serverCert, serverKey          string
	clientCert, clientKey              string
	clientKeyEncrypted, passphrase     string
	wrongCA, wrongClientCert, wrongKey string
}

// newPKI makes two unrelated CAs, a server certificate for the loopback names signed by the
// first, and a client certificate for certUser from each.
func newPKI(certUser string) (*pkiMaterial, error) {
	ca, err := newAuthority("pgserver test CA")
	if err != nil {
		return nil, err
	}
	wrongCA, err := newAuthority("pgserver wrong CA")
	if err != nil {
		return nil, err
	}
	serverCert, serverKey, err := ca.issue(&x509.Certificate{
		Subject:     pkix.Name{CommonName: "localhost"},
		DNSNames:    []string{"localhost"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	})
	if err != nil {
		return nil, err
	}
	// PostgreSQL maps a client certificate to a role by its common name.
	clientTemplate := func() *x509.Certificate {
		return &x509.Certificate{
			Subject:     pkix.Name{CommonName: certUser},
			KeyUsage:    x509.KeyUsageDigitalSignature,
			ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		}
	}
	clientCert, clientKey, err := ca.issue(clientTemplate())
	if err != nil {
		return nil, err
	}
	wrongClientCert, wrongKey, err := wrongCA.issue(clientTemplate())
	if err != nil {
		return nil, err
	}

	passphrase, err := randomHex(16)
	if err != nil {
		return nil, err
	}
	encryptedDER, err := pkcs8.MarshalPrivateKey(clientKey, []byte(passphrase), nil)
	if err != nil {
		return nil, fmt.Errorf("encrypting the client key as PKCS#8: %w", err)
	}

	m := &pkiMaterial{
		ca:                 ca.pem,
		serverCert:         serverCert,
		clientCert:         clientCert,
		clientKeyEncrypted: pemString("ENCRYPTED PRIVATE KEY", encryptedDER),
		passphrase:         passphrase,
		wrongCA:            wrongCA.pem,
		wrongClientCert:    wrongClientCert,
	}
	for _, k := range []struct {
		key crypto.Signer
		out *string
	}{{serverKey, &m.serverKey}, {clientKey, &m.clientKey}, {wrongKey, &m.wrongKey}} {
		if *k.out, err = pkcs8PEM(k.key); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func newAuthority(name string) (*authority, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generating a key for %s: %w", name, err)
	}
	template := &x509.Certificate{
		Subject:               pkix.Name{CommonName: name},
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	if err := fillSerialAndValidity(template); err != nil {
		return nil, err
	}
	der, err := x509.CreateCertificate(rand.Reader, template, template, key.Public(), key)
	if err != nil {
		return nil, fmt.Errorf("self-signing %s: %w", name, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("reading back %s: %w", name, err)
	}
	return &authority{cert: cert, key: key, pem: pemString("CERTIFICATE", der)}, nil
}

// issue signs template with a fresh key and returns the certificate PEM and that key.
func (a *authority) issue(template *x509.Certificate) (string, crypto.Signer, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", nil, fmt.Errorf("generating a key for %s: %w", template.Subject.CommonName, err)
	}
	if err := fillSerialAndValidity(template); err != nil {
		return "", nil, err
	}
	der, err := x509.CreateCertificate(rand.Reader, template, a.cert, key.Public(), a.key)
	if err != nil {
		return "", nil, fmt.Errorf("signing the certificate for %s: %w", template.Subject.CommonName, err)
	}
	return pemString("CERTIFICATE", der), key, nil
}

func fillSerialAndValidity(template *x509.Certificate) error {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return fmt.Errorf("choosing a certificate serial number: %w", err)
	}
	template.SerialNumber = serial
	// Backdated so that a clock a little behind on the client does not see "not yet valid".
	template.NotBefore = time.Now().Add(-time.Hour)
	template.NotAfter = time.Now().Add(certValidity)
	return nil
}

func pkcs8PEM(key crypto.Signer) (string, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return "", fmt.Errorf("encoding a private key as PKCS#8: %w", err)
	}
	return pemString("PRIVATE KEY", der), nil
}

func pemString(blockType string, der []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: blockType, Bytes: der}))
}

func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("reading random bytes: %w", err)
	}
	return hex.EncodeToString(b), nil
}
