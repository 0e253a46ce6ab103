package tlsmaterial

import (
	"crypto"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math/bits"

	"github.com/youmark/pkcs8"
)

// Limits on the key derivation cost an encrypted key may ask for. Validation runs at every plan,
// so a key must not be able to stall it for minutes or exhaust memory. Both are far above what
// OpenSSL writes by default (PBKDF2: 2,048 iterations; scrypt: N=16384, r=8, 16 MiB) and above
// what OpenSSL itself decrypts without extra flags (scrypt: 32 MiB).
const (
	maxPBKDF2Iterations = 10_000_000
	maxScryptMemory     = 256 << 20 // bytes: scrypt uses 128 * N * r
	maxScryptParallel   = 16
)

// OIDs from RFC 8018 (PKCS #5 v2.1), RFC 7914 (scrypt) and NIST.
var (
	oidPBES2          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 13}
	oidPBKDF2         = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 12}
	oidScrypt         = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 11591, 4, 11}
	oidHMACWithSHA1   = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 7}
	oidHMACWithSHA256 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 9}
)

// cbcBlockSizes lists the ciphers accepted, by OID, with their block size. Only CBC ciphers are
// listed: github.com/youmark/pkcs8 registers the AES-GCM OIDs but decrypts them as CBC, and
// OpenSSL does not accept GCM in PBES2, so such a key could not be used by the servers anyway.
var cbcBlockSizes = map[string]int{
	"2.16.840.1.101.3.4.1.2":  16, // aes-128-cbc
	"2.16.840.1.101.3.4.1.22": 16, // aes-192-cbc
	"2.16.840.1.101.3.4.1.42": 16, // aes-256-cbc
	"1.2.840.113549.3.7":      8,  // des-ede3-cbc
}

// ASN.1 shapes of RFC 8018 and RFC 7914, matching the ones github.com/youmark/pkcs8 decodes.
type (
	encryptedPrivateKeyInfo struct {
		EncryptionAlgorithm pkix.AlgorithmIdentifier
		EncryptedData       []byte
	}
	pbes2Params struct {
		KeyDerivationFunc pkix.AlgorithmIdentifier
		EncryptionScheme  pkix.AlgorithmIdentifier
	}
	pbkdf2Params struct {
		Salt           []byte
		IterationCount int
		PRF            pkix.AlgorithmIdentifier `asn1:"optional"`
	}
	scryptParams struct {
		Salt                     []byte
		CostParameter            int
		BlockSize                int
		ParallelizationParameter int
	}
)

// decryptPKCS8 decrypts and parses an ENCRYPTED PRIVATE KEY block.
func decryptPKCS8(der, passphrase []byte) (crypto.Signer, error) {
	if err := checkPBES2(der); err != nil {
		return nil, err
	}
	key, _, err := pkcs8.ParsePrivateKey(der, passphrase)
	if err != nil {
		// checkPBES2 ruled out every other cause. CBC has no integrity check, so a wrong
		// passphrase and altered ciphertext look the same: both yield bytes that do not parse.
		return nil, ErrWrongPassphrase
	}
	return signer(key)
}

// checkPBES2 vets the encryption parameters before github.com/youmark/pkcs8 sees them: it panics
// on an IV or ciphertext of the wrong length, spends unbounded time or memory on hostile KDF
// parameters, and reports an unsupported scheme with the same kind of error as a wrong
// passphrase. Afterwards, the only way decryption can fail is a wrong passphrase.
func checkPBES2(der []byte) error {
	malformed := fmt.Errorf("%w: the ENCRYPTED PRIVATE KEY block is damaged (was it copied completely?)", ErrNotAPrivateKey)

	var info encryptedPrivateKeyInfo
	if rest, err := asn1.Unmarshal(der, &info); err != nil || len(rest) != 0 {
		return malformed
	}
	if alg := info.EncryptionAlgorithm.Algorithm; !alg.Equal(oidPBES2) {
		return fmt.Errorf("%w: the key is encrypted with an obsolete scheme (OID %s; PKCS#5 v1.5 or PKCS#12, the OpenSSL 1.0 default) instead of PBES2; %s",
			ErrUnsupportedKey, alg, convertHint)
	}
	var params pbes2Params
	if _, err := asn1.Unmarshal(info.EncryptionAlgorithm.Parameters.FullBytes, &params); err != nil {
		return malformed
	}

	cipherOID := params.EncryptionScheme.Algorithm
	blockSize, ok := cbcBlockSizes[cipherOID.String()]
	if !ok {
		return fmt.Errorf("%w: the key is encrypted with cipher OID %s; supported are AES-128/192/256-CBC and DES-EDE3-CBC; %s",
			ErrUnsupportedKey, cipherOID, convertHint)
	}
	var iv []byte
	if _, err := asn1.Unmarshal(params.EncryptionScheme.Parameters.FullBytes, &iv); err != nil || len(iv) != blockSize {
		return malformed
	}
	if n := len(info.EncryptedData); n == 0 || n%blockSize != 0 {
		return malformed
	}

	kdf := params.KeyDerivationFunc
	switch {
	case kdf.Algorithm.Equal(oidPBKDF2):
		var p pbkdf2Params
		if _, err := asn1.Unmarshal(kdf.Parameters.FullBytes, &p); err != nil {
			return fmt.Errorf("%w: the key's PBKDF2 parameters are not supported; %s", ErrUnsupportedKey, convertHint)
		}
		if p.IterationCount < 1 || p.IterationCount > maxPBKDF2Iterations {
			return fmt.Errorf("%w: the key asks for %d PBKDF2 iterations; supported are 1 to %d; %s",
				ErrUnsupportedKey, p.IterationCount, maxPBKDF2Iterations, convertHint)
		}
		if prf := p.PRF.Algorithm; len(prf) != 0 && !prf.Equal(oidHMACWithSHA1) && !prf.Equal(oidHMACWithSHA256) {
			return fmt.Errorf("%w: the key uses PBKDF2 with PRF OID %s; supported are hmacWithSHA1 and hmacWithSHA256 (OpenSSL's default); %s",
				ErrUnsupportedKey, prf, convertHint)
		}
	case kdf.Algorithm.Equal(oidScrypt):
		var p scryptParams
		if _, err := asn1.Unmarshal(kdf.Parameters.FullBytes, &p); err != nil {
			return fmt.Errorf("%w: the key's scrypt parameters are not supported; %s", ErrUnsupportedKey, convertHint)
		}
		n, r, par := p.CostParameter, p.BlockSize, p.ParallelizationParameter
		if n < 2 || bits.OnesCount(uint(n)) != 1 || r < 1 || par < 1 || par > maxScryptParallel ||
			n > maxScryptMemory/128 || r > maxScryptMemory/128/n {
			return fmt.Errorf("%w: the key's scrypt cost (N=%d, r=%d, p=%d) is invalid or needs more than %d MiB; %s",
				ErrUnsupportedKey, n, r, par, maxScryptMemory>>20, convertHint)
		}
	default:
		return fmt.Errorf("%w: the key uses key derivation function OID %s; supported are PBKDF2 and scrypt; %s",
			ErrUnsupportedKey, kdf.Algorithm, convertHint)
	}
	return nil
}
