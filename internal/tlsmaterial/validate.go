package tlsmaterial

import (
	"crypto/x509"
	"errors"
	"fmt"
	"time"
)

// ExpiryWarningWindow is how close to its expiry a certificate gets a warning from Validate.
const ExpiryWarningWindow = 30 * 24 * time.Hour

// Severity tells whether a Problem must stop the plan.
type Severity int

// Severities of a Problem.
const (
	SeverityError Severity = iota + 1
	SeverityWarning
)

func (s Severity) String() string {
	switch s {
	case SeverityError:
		return "error"
	case SeverityWarning:
		return "warning"
	}
	return fmt.Sprintf("Severity(%d)", int(s))
}

// Fields of Material named by Problem.Field; the provider maps them to its attributes.
const (
	FieldCA         = "ca"
	FieldCert       = "cert"
	FieldKey        = "key"
	FieldPassphrase = "passphrase"
)

// Problem is one finding of Validate, about one field of Material.
type Problem struct {
	Field    string // FieldCA, FieldCert, FieldKey or FieldPassphrase
	Severity Severity
	Summary  string // Title Case, for a diagnostic summary
	Detail   string // what is wrong and what to do
}

// Validate checks everything that can be checked without a network, for plan-time validation.
// It only looks at non-empty fields, so the caller leaves unknown values empty. An empty
// Passphrase means "none": when the passphrase is unknown, leave Key empty too, or an encrypted
// key is reported as needing one. Whether Cert and Key are set together is for the caller's
// schema validators.
//
// Errors: CA or Cert that is not PEM X.509, Key that is not a usable private key, a missing or
// wrong passphrase (the latter on FieldPassphrase), Key not belonging to the first certificate
// of Cert, an expired client certificate (the server refuses it). Warnings: any other certificate
// expired, expiring within ExpiryWarningWindow or not yet valid at now, a CA that is not a
// certificate authority (a leaf, such as the server's own certificate), and a passphrase given
// for an unencrypted key.
func (m Material) Validate(now time.Time) (problems []Problem) {
	add := func(field string, sev Severity, summary, detail string) {
		problems = append(problems, Problem{Field: field, Severity: sev, Summary: summary, Detail: detail})
	}
	checkDates := func(field, what string, certs []*x509.Certificate) {
		for _, c := range certs {
			switch p := ValidityProblem(c, now); {
			case p == "" && c.NotAfter.Sub(now) < ExpiryWarningWindow:
				days := int(c.NotAfter.Sub(now).Hours() / 24)
				when := fmt.Sprintf("in %d days", days)
				if days == 0 {
					when = "within a day"
				}
				add(field, SeverityWarning, what+" Expires Soon",
					fmt.Sprintf("Certificate %s expires on %s, %s. Renew it and update this setting before then: "+
						"TLS connections that rely on it will fail from that moment.", certName(c), timestamp(c.NotAfter), when))
			case p == "":
			case now.After(c.NotAfter) && field == FieldCert:
				// The server refuses an expired client certificate: the login cannot work.
				add(field, SeverityError, what+" Expired", p+". PostgreSQL refuses an expired client certificate, so "+
					"this login cannot work: renew the certificate (with its key, if that changes too) and set the new one.")
			case now.After(c.NotAfter):
				add(field, SeverityWarning, what+" Expired", p+". TLS connections that rely on it will fail until it is renewed.")
			default:
				add(field, SeverityWarning, what+" Not Yet Valid", p+". TLS connections that rely on it will fail until then; check the clock of the machine that issued it.")
			}
		}
	}

	if m.CA != "" {
		if cas, err := ParseCertificates(m.CA); err != nil {
			add(FieldCA, SeverityError, "Invalid CA Certificate", "The CA certificate cannot be used: "+err.Error())
		} else {
			checkDates(FieldCA, "CA Certificate", cas)
			for _, c := range cas {
				if c.BasicConstraintsValid && !c.IsCA {
					add(FieldCA, SeverityWarning, "CA Certificate Is Not a Certificate Authority",
						fmt.Sprintf("Certificate %s in ssl_ca is not a certificate authority (its basic constraints say CA:FALSE): "+
							"it is most likely the server's own certificate. Verification then works only while the server "+
							"presents exactly this certificate, and fails after its renewal; if a CA signed it, set ssl_ca "+
							"to that CA's certificate instead.", certName(c)))
				}
			}
		}
	}

	var chain []*x509.Certificate
	if m.Cert != "" {
		var err error
		if chain, err = ParseCertificates(m.Cert); err != nil {
			add(FieldCert, SeverityError, "Invalid Client Certificate", "The client certificate cannot be used: "+err.Error())
		} else {
			checkDates(FieldCert, "Client Certificate", chain)
		}
	}

	if m.Key == "" {
		return problems
	}
	key, err := ParsePrivateKey(m.Key, m.Passphrase)
	switch {
	case errors.Is(err, ErrPassphraseRequired):
		add(FieldKey, SeverityError, "Private Key Passphrase Required", "The private key is encrypted, so its passphrase is needed: set ssl_passphrase.")
	case errors.Is(err, ErrWrongPassphrase):
		add(FieldPassphrase, SeverityError, "Wrong Private Key Passphrase", "The passphrase does not decrypt the private key. Check ssl_passphrase, and that ssl_key was copied unchanged.")
	case err != nil:
		add(FieldKey, SeverityError, "Invalid Private Key", "The private key cannot be used: "+err.Error())
	default:
		if len(chain) > 0 {
			if err := KeyMatchesCertificate(key, chain[0]); err != nil {
				add(FieldKey, SeverityError, "Private Key Does Not Match Certificate", capitalize(err.Error()))
			}
		}
		if m.Passphrase != "" && !IsEncryptedKey(m.Key) {
			add(FieldPassphrase, SeverityWarning, "Passphrase Not Needed", "The private key is not encrypted, so ssl_passphrase is ignored. Remove it, or give the encrypted form of the key.")
		}
	}
	return problems
}

func capitalize(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}
