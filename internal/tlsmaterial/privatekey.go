package tlsmaterial

import (
	"crypto"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors of ParsePrivateKey, for errors.Is. Returned errors wrap them with details.
var (
	// ErrPassphraseRequired: the key is encrypted and no passphrase was given.
	ErrPassphraseRequired = errors.New("the private key is encrypted but no passphrase was given: set ssl_passphrase")
	// ErrWrongPassphrase: the passphrase does not decrypt the key.
	ErrWrongPassphrase = errors.New("the passphrase does not decrypt the private key: check ssl_passphrase, and that the key was copied unchanged")
	// ErrNotAPrivateKey: the text holds no private key (a certificate, a public key, garbage) or
	// a damaged one.
	ErrNotAPrivateKey = errors.New("not a private key")
	// ErrUnsupportedKey: a private key this provider cannot use, such as a DSA key or one
	// encrypted with an obsolete scheme. The message says how to convert it.
	ErrUnsupportedKey = errors.New("unsupported private key")
)

// convertHint is the one command that turns any key OpenSSL reads into one this package reads.
const convertHint = "convert it with: openssl pkcs8 -topk8 -v2 aes-256-cbc -in old.key -out new.key"

// IsEncryptedKey reports whether pemText holds a passphrase-protected private key, either
// encrypted PKCS#8 or legacy encrypted PEM (Proc-Type: 4,ENCRYPTED). It is false for text that
// is not a private key at all; ParsePrivateKey says what is wrong with such text.
func IsEncryptedKey(pemText string) bool {
	blocks, err := decodeBlocks(pemText, "PRIVATE KEY")
	if err != nil {
		return false
	}
	b, err := keyBlock(blocks)
	return err == nil && isEncrypted(b)
}

// ParsePrivateKey parses the PEM private key in pemText, decrypting it with passphrase when it
// is encrypted. It reads PKCS#1 ("RSA PRIVATE KEY"), SEC 1 ("EC PRIVATE KEY"), PKCS#8
// ("PRIVATE KEY": RSA, ECDSA, Ed25519), encrypted PKCS#8 ("ENCRYPTED PRIVATE KEY", PBES2 with
// PBKDF2 or scrypt and AES-CBC or 3DES) and legacy encrypted PEM (DEK-Info header).
//
// Certificates and EC PARAMETERS blocks next to the key are skipped, as OpenSSL skips them in a
// combined file. A passphrase given for an unencrypted key is ignored; see IsEncryptedKey.
//
// Errors match ErrPassphraseRequired, ErrWrongPassphrase, ErrNotAPrivateKey, ErrUnsupportedKey or ErrTooLarge
// with errors.Is. They never contain key material or the passphrase.
func ParsePrivateKey(pemText, passphrase string) (crypto.Signer, error) {
	blocks, err := decodeBlocks(pemText, "PRIVATE KEY")
	if errors.Is(err, ErrTooLarge) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotAPrivateKey, err)
	}
	b, err := keyBlock(blocks)
	if err != nil {
		return nil, err
	}

	switch {
	case b.Type == "ENCRYPTED PRIVATE KEY":
		if passphrase == "" {
			return nil, ErrPassphraseRequired
		}
		return decryptPKCS8(b.Bytes, []byte(passphrase))
	case isEncrypted(b):
		if passphrase == "" {
			return nil, ErrPassphraseRequired
		}
		return decryptLegacy(b, []byte(passphrase))
	}
	return parseKeyDER(b.Type, b.Bytes)
}

// keyBlock picks the one private key block among blocks.
func keyBlock(blocks []block) (block, error) {
	var keys []block
	var other *block
	for i, b := range blocks {
		switch {
		case strings.HasSuffix(b.Type, "PRIVATE KEY"):
			keys = append(keys, b)
		case b.Type == "EC PARAMETERS": // written by `openssl ecparam -genkey` before the key
		case other == nil:
			other = &blocks[i]
		}
	}
	switch {
	case len(keys) == 1:
		return keys[0], nil
	case len(keys) > 1:
		return block{}, fmt.Errorf("found %d private keys; give only the one that belongs to the client certificate", len(keys))
	case other != nil:
		return block{}, fmt.Errorf("%w: PEM block %d is %s; give the private key that belongs to the client certificate (-----BEGIN PRIVATE KEY-----, or RSA / EC PRIVATE KEY)",
			ErrNotAPrivateKey, other.n, describe(other.Type))
	default:
		return block{}, fmt.Errorf("%w: the text holds only EC PARAMETERS; give the -----BEGIN EC PRIVATE KEY----- block as well", ErrNotAPrivateKey)
	}
}

// isEncrypted reports whether b is an encrypted private key block, in either format.
func isEncrypted(b block) bool {
	return b.Type == "ENCRYPTED PRIVATE KEY" || strings.Contains(b.Headers["Proc-Type"], "ENCRYPTED") || b.Headers["DEK-Info"] != ""
}

// decryptLegacy decrypts an RFC 1421 encrypted PEM block, the format of `openssl rsa -aes256
// -traditional`. Go deprecates it as insecure (unauthenticated, MD5 key derivation), but users
// still have such keys and PostgreSQL clients accept them.
func decryptLegacy(b block, passphrase []byte) (crypto.Signer, error) {
	der, err := x509.DecryptPEMBlock(b.Block, passphrase) //nolint:staticcheck // SA1019: deprecated format still in use; see above.
	if errors.Is(err, x509.IncorrectPasswordError) {
		return nil, ErrWrongPassphrase
	}
	if err != nil {
		// x509's messages here describe the headers only (mode, IV size), never the key.
		return nil, fmt.Errorf("%w: the encrypted PEM key cannot be decrypted (%w); %s", ErrUnsupportedKey, err, convertHint)
	}
	key, err := parseKeyDER(b.Type, der)
	if err != nil {
		// The padding check passes by chance for about one wrong passphrase in 256; the garbage
		// that comes out then fails to parse.
		return nil, ErrWrongPassphrase
	}
	return key, nil
}

// parseKeyDER parses the DER of an unencrypted private key block of type t.
func parseKeyDER(t string, der []byte) (crypto.Signer, error) {
	var (
		key    any
		err    error
		format string
	)
	switch t {
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(der)
		format = "PKCS#8"
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(der)
		format = "PKCS#1 RSA"
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(der)
		format = "SEC 1 EC"
	case "DSA PRIVATE KEY":
		return nil, fmt.Errorf("%w: DSA keys cannot be used for TLS client authentication; use an RSA, ECDSA or Ed25519 key", ErrUnsupportedKey)
	case "OPENSSH PRIVATE KEY":
		return nil, fmt.Errorf("%w: this is an OpenSSH key; TLS needs a PEM key (convert a copy with: ssh-keygen -p -m PKCS8 -f copy_of_key)", ErrUnsupportedKey)
	default:
		if beginType([]byte("-----BEGIN "+t+"-----")) == "" {
			t = "this kind of"
		}
		return nil, fmt.Errorf("%w: %s PEM block is not a format this provider reads; %s", ErrUnsupportedKey, t, convertHint)
	}
	if err != nil && t == "PRIVATE KEY" {
		if problem := pkcs8KeyTypeProblem(der); problem != "" {
			return nil, fmt.Errorf("%w: %s; use an RSA, ECDSA (P-256, P-384 or P-521) or Ed25519 key", ErrUnsupportedKey, problem)
		}
	}
	if err != nil {
		// Go's parse errors name Go functions, so say it in the user's terms, and catch the common
		// case of a key whose BEGIN line names the wrong format.
		if actual := labelFor(der); actual != "" && actual != t {
			return nil, fmt.Errorf("%w: the PEM block is labelled %q but holds a %q key; correct its BEGIN and END lines", ErrNotAPrivateKey, t, actual)
		}
		return nil, fmt.Errorf("%w: the %s block is not a valid %s private key (was it copied completely?)", ErrNotAPrivateKey, t, format)
	}
	return signer(key)
}

// Key algorithms of PKCS#8 (RFC 5958) that Go does not parse, by OID, and EC curves it does not
// support, so a user learns that the key type is the problem, not the copy.
var (
	oidKeyEC           = "1.2.840.10045.2.1"
	unsupportedKeyOIDs = map[string]string{
		"1.2.840.10040.4.1":     "DSA keys cannot be used for TLS client authentication",
		"1.3.101.113":           "Ed448 keys are not supported for TLS client authentication here",
		"1.3.101.111":           "an X448 key can only agree on keys, not sign a TLS handshake",
		"1.2.840.113549.1.3.1":  "a Diffie-Hellman key can only agree on keys, not sign a TLS handshake",
		"1.2.840.10046.2.1":     "a Diffie-Hellman key can only agree on keys, not sign a TLS handshake",
		"1.2.840.113549.1.1.10": "RSASSA-PSS keys (an RSA key restricted to PSS) are not supported here; an unrestricted RSA key is",
	}
	ecCurveNames = map[string]string{
		"1.3.36.3.3.2.8.1.1.7":  "brainpoolP256r1",
		"1.3.36.3.3.2.8.1.1.11": "brainpoolP384r1",
		"1.3.36.3.3.2.8.1.1.13": "brainpoolP512r1",
		"1.3.132.0.10":          "secp256k1",
		"1.2.156.10197.1.301":   "SM2",
	}
)

// pkcs8KeyTypeProblem names the key type of a PKCS#8 structure Go could not parse, when the type
// is what it cannot use: "" when der is not PKCS#8 at all or its type is one Go reads (the key
// is then damaged).
func pkcs8KeyTypeProblem(der []byte) string {
	var info struct {
		Version    int
		Algorithm  pkix.AlgorithmIdentifier
		PrivateKey []byte
	}
	if rest, err := asn1.Unmarshal(der, &info); err != nil || len(rest) > 0 {
		return ""
	}
	oid := info.Algorithm.Algorithm.String()
	if problem, ok := unsupportedKeyOIDs[oid]; ok {
		return problem
	}
	if oid == oidKeyEC {
		var curve asn1.ObjectIdentifier
		if _, err := asn1.Unmarshal(info.Algorithm.Parameters.FullBytes, &curve); err != nil {
			return ""
		}
		switch curve.String() {
		case "1.2.840.10045.3.1.7", "1.3.132.0.34", "1.3.132.0.35": // P-256, P-384, P-521: a damaged key
			return ""
		}
		name := ecCurveNames[curve.String()]
		if name == "" {
			name = "OID " + curve.String()
		}
		return "the EC key is on curve " + name + ", which TLS here does not support"
	}
	switch oid {
	case "1.2.840.113549.1.1.1", "1.3.101.112", "1.3.101.110": // RSA, Ed25519, X25519: Go reads these
		return ""
	}
	return "the key's algorithm (OID " + oid + ") is not one TLS client authentication here supports"
}

// labelFor returns the PEM type under which der would parse, or "".
func labelFor(der []byte) string {
	if _, err := x509.ParsePKCS8PrivateKey(der); err == nil {
		return "PRIVATE KEY"
	}
	if _, err := x509.ParsePKCS1PrivateKey(der); err == nil {
		return "RSA PRIVATE KEY"
	}
	if _, err := x509.ParseECPrivateKey(der); err == nil {
		return "EC PRIVATE KEY"
	}
	return ""
}

// signer keeps the key types a TLS client can sign its handshake with.
func signer(key any) (crypto.Signer, error) {
	switch k := key.(type) {
	case *rsa.PrivateKey:
		return k, nil
	case *ecdsa.PrivateKey:
		return k, nil
	case ed25519.PrivateKey:
		return k, nil
	case *ecdh.PrivateKey:
		return nil, fmt.Errorf("%w: an X25519 key can only agree on keys, not sign a TLS handshake; use an RSA, ECDSA or Ed25519 key", ErrUnsupportedKey)
	default:
		return nil, fmt.Errorf("%w: %T keys cannot be used for TLS client authentication; use an RSA, ECDSA or Ed25519 key", ErrUnsupportedKey, key)
	}
}

// KeyMatchesCertificate returns nil when key is the private key of cert's public key.
func KeyMatchesCertificate(key crypto.Signer, cert *x509.Certificate) error {
	pub, ok := key.Public().(interface{ Equal(crypto.PublicKey) bool })
	if ok && pub.Equal(cert.PublicKey) {
		return nil
	}
	name := certName(cert)
	if cert.Subject.String() != "" {
		name += " (serial " + serial(cert) + ")"
	}
	return fmt.Errorf("the private key does not belong to certificate %s: give the key that was generated with this certificate, or the certificate issued for this key", name)
}
