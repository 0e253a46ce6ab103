package provider

import (
	"context"
	"strconv"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/integratorio/terraform-provider-integratorio/internal/client"
)

// savedLevelKey is the private-state key holding the concurrency level integrator.io held right
// after this provider's last create or update of the connection. Read compares it with what
// integrator.io answers to tell the licence's quiet lowering (not drift) from a change made
// outside Terraform (drift); see readConcurrencyLevel.
const savedLevelKey = "saved_concurrency_level"

type privateGetter interface {
	GetKey(ctx context.Context, key string) ([]byte, diag.Diagnostics)
}

type privateSetter interface {
	SetKey(ctx context.Context, key string, value []byte) diag.Diagnostics
}

// savedLevel returns the level recorded by saveLevel, or null: a connection imported, or made by
// an earlier version of the provider, has none until its next update.
func savedLevel(ctx context.Context, p privateGetter) types.Int64 {
	raw, diags := p.GetKey(ctx, savedLevelKey)
	if diags.HasError() || len(raw) == 0 {
		return types.Int64Null()
	}
	level, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil {
		return types.Int64Null()
	}
	return types.Int64Value(level)
}

// saveLevel records the level integrator.io holds after a create or update, or removes the record
// for a connection that borrows another's limit.
func saveLevel(ctx context.Context, p privateSetter, saved *client.Connection) diag.Diagnostics {
	if saved.BorrowConcurrencyFromConnectionID != "" {
		return p.SetKey(ctx, savedLevelKey, nil)
	}
	return p.SetKey(ctx, savedLevelKey, []byte(strconv.FormatInt(serverConcurrencyLevel(saved), 10)))
}
