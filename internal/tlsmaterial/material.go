// Package tlsmaterial is the one place the provider parses PEM: CA bundles, client certificate
// chains and private keys (plain or encrypted). Plan-time validation (Material.Validate) and the
// connectivity checker (Material.ClientConfig) both use it, so plan never accepts material that
// apply cannot use.
//
// Error texts are written for Terraform users and never contain key material or passphrases.
package tlsmaterial

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
)

// Material is TLS material as the user gave it: PEM text, with empty meaning "not set".
type Material struct {
	CA         string // ssl_ca: certificates that may sign the server's certificate
	Cert       string // ssl_certificate: client certificate, optionally followed by intermediates
	Key        string // ssl_key: private key of the client certificate
	Passphrase string // ssl_passphrase: decrypts Key when it is encrypted
}

// String hides the key and passphrase, so that logging a Material by mistake leaks nothing.
func (m Material) String() string {
	return fmt.Sprintf("tlsmaterial.Material{CA:%s Cert:%s Key:%s Passphrase:%s}",
		setOrNot(m.CA, false), setOrNot(m.Cert, false), setOrNot(m.Key, true), setOrNot(m.Passphrase, true))
}

// GoString hides secrets from %#v as String does from %v.
func (m Material) GoString() string { return m.String() }

func setOrNot(v string, secret bool) string {
	switch {
	case v == "":
		return "<unset>"
	case secret:
		return "<redacted>"
	default:
		return fmt.Sprintf("<%d bytes>", len(v))
	}
}

// ClientConfig returns the TLS configuration of a client connecting to serverName.
//
// With verifyServer, the server certificate must chain to CA (or to the system roots when CA is
// empty) and match serverName, as libpq's sslmode=verify-full. Without it, a given CA is still
// trusted alone: the server certificate must chain to it, only its host name is not checked
// (sslmode=verify-ca). Without verifyServer and without CA, the server is not verified at all
// (sslmode=require). The client certificate (Cert with Key) is sent whenever it is given, and
// TLS 1.2 is the minimum.
//
// Errors name the input at fault: ssl_ca, ssl_certificate or ssl_key.
func (m Material) ClientConfig(serverName string, verifyServer bool) (*tls.Config, error) {
	cfg := &tls.Config{
		MinVersion:         tls.VersionTLS12,
		ServerName:         serverName,
		InsecureSkipVerify: !verifyServer, //nolint:gosec // The user chose not to verify the server (sslmode=require).
	}
	if verifyServer && serverName == "" {
		return nil, errors.New("tlsmaterial: a server name is required to verify the server certificate")
	}

	if m.CA != "" {
		cas, err := ParseCertificates(m.CA)
		if err != nil {
			return nil, fmt.Errorf("ssl_ca: %w", err)
		}
		// Only these CAs, not the system ones as well: libpq trusts exactly sslrootcert.
		roots := x509.NewCertPool()
		for _, ca := range cas {
			roots.AddCert(ca)
		}
		if verifyServer {
			cfg.RootCAs = roots
		} else {
			cfg.VerifyConnection = verifyChainOnly(cfg, roots)
		}
	}

	switch {
	case m.Cert != "" && m.Key != "":
		cert, err := m.clientCertificate()
		if err != nil {
			return nil, err
		}
		// Always present the certificate, as libpq does. tls.Config.Certificates would send none
		// when the server's list of acceptable CAs does not name the issuer, leaving the user
		// with a vague "certificate required" from the server instead of its real verdict.
		cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
			return cert, nil
		}
	case m.Cert != "":
		return nil, errors.New("ssl_certificate is set but ssl_key is not: a client certificate needs its private key")
	case m.Key != "":
		return nil, errors.New("ssl_key is set but ssl_certificate is not: a private key is only used together with its client certificate")
	}
	return cfg, nil
}

// verifyChainOnly checks that the server certificate chains to roots, without checking its host
// name: libpq's sslmode=verify-ca. The x509 error is returned as it is, so callers tell an unknown
// authority from an expired certificate as they do with full verification. The time is cfg.Time's
// when set, as crypto/tls's own verification takes it.
func verifyChainOnly(cfg *tls.Config, roots *x509.CertPool) func(tls.ConnectionState) error {
	return func(cs tls.ConnectionState) error {
		if len(cs.PeerCertificates) == 0 {
			return errors.New("the server sent no certificate")
		}
		intermediates := x509.NewCertPool()
		for _, c := range cs.PeerCertificates[1:] {
			intermediates.AddCert(c)
		}
		opts := x509.VerifyOptions{Roots: roots, Intermediates: intermediates, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
		if cfg.Time != nil {
			opts.CurrentTime = cfg.Time()
		}
		_, err := cs.PeerCertificates[0].Verify(opts)
		return err
	}
}

// clientCertificate assembles Cert and Key into a tls.Certificate.
func (m Material) clientCertificate() (*tls.Certificate, error) {
	chain, err := ParseCertificates(m.Cert)
	if err != nil {
		return nil, fmt.Errorf("ssl_certificate: %w", err)
	}
	key, err := ParsePrivateKey(m.Key, m.Passphrase)
	if err != nil {
		return nil, fmt.Errorf("ssl_key: %w", err)
	}
	if err := KeyMatchesCertificate(key, chain[0]); err != nil {
		return nil, fmt.Errorf("ssl_key: %w", err)
	}
	cert := &tls.Certificate{PrivateKey: key, Leaf: chain[0]}
	for _, c := range chain {
		cert.Certificate = append(cert.Certificate, c.Raw)
	}
	return cert, nil
}
