// Package azure stands in for Terraform's "azure" state backend in the Terraform 1.16 built for this
// repository's tests: every use of it fails with a message saying so.
package azure

import (
	"github.com/hashicorp/terraform/internal/backend"
	"github.com/hashicorp/terraform/internal/configs/configschema"
	"github.com/hashicorp/terraform/internal/states/statemgr"
	"github.com/hashicorp/terraform/internal/tfdiags"
	"github.com/zclconf/go-cty/cty"
)

// New returns a backend that reports it is unavailable.
func New() backend.Backend { return unavailable{} }

type unavailable struct{}

func (unavailable) diags() tfdiags.Diagnostics {
	var diags tfdiags.Diagnostics
	return diags.Append(tfdiags.Sourceless(tfdiags.Error,
		"The \"azure\" backend is not available in this build",
		"This Terraform 1.16 was built from the Go module proxy for the integratorio provider's tests; its \"azure\" state backend is a stub. Use the local backend."))
}

func (unavailable) ConfigSchema() *configschema.Block { return &configschema.Block{} }

func (u unavailable) PrepareConfig(v cty.Value) (cty.Value, tfdiags.Diagnostics) { return v, u.diags() }

func (u unavailable) Configure(cty.Value) tfdiags.Diagnostics { return u.diags() }

func (u unavailable) StateMgr(string) (statemgr.Full, tfdiags.Diagnostics) { return nil, u.diags() }

func (u unavailable) DeleteWorkspace(string, bool) tfdiags.Diagnostics { return u.diags() }

func (u unavailable) Workspaces() ([]string, tfdiags.Diagnostics) { return nil, u.diags() }
