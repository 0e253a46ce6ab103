package tlsmaterial

import (
	"bytes"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"unicode"
)

// block is a decoded PEM block and its 1-based position in the input, so errors can say
// "PEM block 2" without quoting its content.
type block struct {
	*pem.Block
	n int
}

var beginMarker = []byte("-----BEGIN ")

// MaxPEMSize bounds every PEM input (ssl_ca, ssl_certificate, ssl_key): plan parses them on every
// run, and a value this large is a mistake (a whole directory, a binary) rather than material.
// Mozilla's whole CA bundle, the largest input with a reason to exist, is about 215 KiB.
const MaxPEMSize = 256 << 10

// ErrTooLarge: the input is longer than MaxPEMSize. Returned errors wrap it with the size.
var ErrTooLarge = errors.New("the value is too large")

// decodeBlocks returns every PEM block of text in order. example is the BEGIN line type shown in
// hints ("CERTIFICATE", "PRIVATE KEY").
//
// Text outside blocks is ignored, as OpenSSL ignores it (CA bundles carry comments). A BEGIN line
// whose block does not decode is an error, where pem.Decode would silently skip it and a CA
// bundle would lose a certificate without a word. Nothing is made more lenient than OpenSSL
// (indentation, literal "\n"): the same text is used later by the integrator.io servers, and plan
// must not accept what they reject. Such inputs get a hint instead.
func decodeBlocks(text, example string) ([]block, error) {
	if len(text) > MaxPEMSize {
		return nil, fmt.Errorf("%w: %d KiB, more than the %d KiB a PEM setting may hold; give only the PEM blocks needed "+
			"(for ssl_ca, only the CAs that may sign the server's certificate)", ErrTooLarge, (len(text)+1023)>>10, MaxPEMSize>>10)
	}
	data := []byte(text)
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, errors.New("the value is empty: paste the whole PEM text, including the -----BEGIN " + example + "----- line")
	}

	if bytes.Contains(data, []byte(`\n`)) && !bytes.Contains(data, []byte("\n")) {
		return nil, errors.New(`the text holds literal \n sequences instead of line breaks; use file(), a heredoc, or replace(value, "\\n", "\n")`)
	}

	var starts []int
	for i := 0; ; {
		j := bytes.Index(data[i:], beginMarker)
		if j < 0 {
			break
		}
		if at := i + j; at == 0 || data[at-1] == '\n' {
			starts = append(starts, at)
		}
		i += j + len(beginMarker)
	}
	if len(starts) == 0 {
		return nil, noBlockError(data, example)
	}

	blocks := make([]block, 0, len(starts))
	for k, start := range starts {
		end := len(data)
		if k+1 < len(starts) {
			end = starts[k+1]
		}
		// The segment holds one BEGIN line only, so pem.Decode cannot skip ahead to another block.
		b, _ := pem.Decode(data[start:end])
		if b == nil {
			label := ""
			if t := beginType(data[start:end]); t != "" {
				label = " (" + t + ")"
			}
			return nil, fmt.Errorf("PEM block %d%s is malformed: check that it ends with its matching -----END ...----- line and that the lines between were copied unchanged", k+1, label)
		}
		blocks = append(blocks, block{Block: b, n: k + 1})
	}
	return blocks, nil
}

// noBlockError explains the most likely reason text holds no PEM block.
func noBlockError(data []byte, example string) error {
	const prefix = "no PEM block found"
	switch {
	case bytes.Contains(data, beginMarker):
		return fmt.Errorf("%s: the -----BEGIN %s----- line must start at the beginning of a line; remove the indentation (a Terraform heredoc written <<-EOT strips it)", prefix, example)
	case data[0] == 0x30 && !utf8Printable(data):
		// 0x30 opens an ASN.1 SEQUENCE: binary DER rather than PEM text.
		return fmt.Errorf("%s: the value looks like binary DER; convert it to PEM (for example: openssl x509 -inform DER -in file.der -out file.pem)", prefix)
	default:
		return fmt.Errorf("%s: paste the whole PEM text, including the -----BEGIN %s----- line; with file(), check the path", prefix, example)
	}
}

// beginType returns the type named on the BEGIN line that opens seg, or "" when it is not
// printable and short enough to be worth repeating in an error.
func beginType(seg []byte) string {
	line, _, _ := bytes.Cut(seg[len(beginMarker):], []byte("\n"))
	t, ok := bytes.CutSuffix(bytes.TrimRight(line, " \t\r"), []byte("-----"))
	if !ok || len(t) == 0 || len(t) > 40 {
		return ""
	}
	for _, r := range string(t) {
		if r != ' ' && !unicode.IsUpper(r) && !unicode.IsDigit(r) {
			return ""
		}
	}
	return string(t)
}

func utf8Printable(data []byte) bool {
	return strings.IndexFunc(string(data), func(r rune) bool {
		return r == unicode.ReplacementChar || (!unicode.IsPrint(r) && !unicode.IsSpace(r))
	}) < 0
}

// describe names what a PEM block of type t holds, for errors about a block of the wrong kind.
func describe(t string) string {
	switch {
	case t == "CERTIFICATE":
		return "a certificate"
	case t == "TRUSTED CERTIFICATE":
		return "an OpenSSL TRUSTED CERTIFICATE (convert it with: openssl x509 -in in.pem -out out.pem)"
	case t == "CERTIFICATE REQUEST" || t == "NEW CERTIFICATE REQUEST":
		return "a certificate signing request (CSR)"
	case t == "X509 CRL":
		return "a certificate revocation list"
	case strings.HasSuffix(t, "PRIVATE KEY"):
		return "a private key"
	case strings.HasSuffix(t, "PUBLIC KEY"):
		return "a public key"
	case strings.HasSuffix(t, "PARAMETERS"):
		return "key parameters"
	}
	if beginType([]byte("-----BEGIN "+t+"-----")) == "" {
		return "an unknown kind of PEM block"
	}
	return fmt.Sprintf("a %q block", t)
}
