package tlsmaterial

import (
	"crypto/x509"
	"fmt"
	"strings"
	"time"
)

// ParseCertificates parses one or more PEM CERTIFICATE blocks: a CA bundle or a certificate
// chain, in the order given. Text between blocks (bundle comments) is ignored.
//
// It fails on empty input, on text without a PEM block, on a block of another type (a private
// key pasted into a certificate field is named as such, never quoted), and on a block whose
// content is not an X.509 certificate. Errors name the block by its position.
func ParseCertificates(pemText string) ([]*x509.Certificate, error) {
	blocks, err := decodeBlocks(pemText, "CERTIFICATE")
	if err != nil {
		return nil, err
	}
	certs := make([]*x509.Certificate, 0, len(blocks))
	for _, b := range blocks {
		if b.Type != "CERTIFICATE" {
			hint := "remove it and keep only -----BEGIN CERTIFICATE----- blocks"
			switch {
			case strings.HasSuffix(b.Type, "PRIVATE KEY"):
				hint = "a private key belongs in ssl_key, never in a certificate field"
			case strings.HasSuffix(b.Type, "CERTIFICATE REQUEST"):
				hint = "give the certificate that was issued for it instead"
			}
			return nil, fmt.Errorf("PEM block %d is %s, not a certificate: %s", b.n, describe(b.Type), hint)
		}
		cert, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("PEM block %d is not a valid X.509 certificate (was it copied completely?): %w", b.n, err)
		}
		certs = append(certs, cert)
	}
	return certs, nil
}

// ValidityProblem returns "" when cert is valid at now, and otherwise a sentence saying it has
// expired or is not valid yet, with its validity period.
func ValidityProblem(cert *x509.Certificate, now time.Time) string {
	period := fmt.Sprintf("(valid from %s to %s)", timestamp(cert.NotBefore), timestamp(cert.NotAfter))
	switch {
	case now.After(cert.NotAfter):
		return fmt.Sprintf("certificate %s expired on %s %s", certName(cert), timestamp(cert.NotAfter), period)
	case now.Before(cert.NotBefore):
		return fmt.Sprintf("certificate %s is not valid until %s %s", certName(cert), timestamp(cert.NotBefore), period)
	}
	return ""
}

// certName identifies cert for a person: its subject, or its serial number when the subject is
// empty (as in some client certificates that only carry a SAN).
func certName(cert *x509.Certificate) string {
	if s := cert.Subject.String(); s != "" {
		return fmt.Sprintf("%q", s)
	}
	return "with serial " + serial(cert)
}

// serial formats a serial number as OpenSSL and browsers show it, in hexadecimal.
func serial(cert *x509.Certificate) string {
	if cert.SerialNumber == nil {
		return "(none)"
	}
	return fmt.Sprintf("%X", cert.SerialNumber)
}

func timestamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }
