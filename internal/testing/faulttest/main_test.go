// Package faulttest proves the provider safe under faults with the real Terraform CLI: an
// in-process emulator injects rate limits, server errors, dropped connections, slow and truncated
// answers while Terraform applies, plans and destroys, and after every phase the connections in
// the emulator must be exactly those in state. It also covers a half-failed apply, an interrupted
// apply, create timeouts, ambiguous creates of identical connections and answers that are not
// connection documents. Run it with `make test-faults`; `go test -short` skips it.
package faulttest

import (
	"testing"

	"github.com/integratorio/terraform-provider-integratorio/internal/testing/acctest"
)

func TestMain(m *testing.M) { acctest.Main(m) }
