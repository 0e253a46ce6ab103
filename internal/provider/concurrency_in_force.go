package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/integratorio/terraform-provider-integratorio/internal/client"
)

// levelInForce is the concurrency level integrator.io applies to a connection, as its document
// says; null for a connection that borrows another's limit.
func levelInForce(doc *client.Connection) types.Int64 {
	if doc == nil || doc.BorrowConcurrencyFromConnectionID != "" {
		return types.Int64Null()
	}
	return types.Int64Value(serverConcurrencyLevel(doc))
}

// serverConcurrencyLevel is the level integrator.io applies to a connection of its own.
func serverConcurrencyLevel(doc *client.Connection) int64 {
	if doc.RDBMS == nil || doc.RDBMS.ConcurrencyLevel == 0 {
		return defaultConcurrencyLevel
	}
	return int64(doc.RDBMS.ConcurrencyLevel)
}

// planLevelInForce plans concurrency_level_in_force: what state holds while the level and the
// lender stay as they are (so an unchanged connection plans no change), unknown when either
// changes or when state has none to keep. It also warns, once, when a create or a change asks for a level above the standard
// licence; a level integrator.io already lowered is shown by concurrency_level_in_force and is
// not warned about again on every plan.
func planLevelInForce(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	var planned types.Int64
	var plannedLender types.String
	resp.Diagnostics.Append(resp.Plan.GetAttribute(ctx, path.Root("concurrency_level"), &planned)...)
	resp.Diagnostics.Append(resp.Plan.GetAttribute(ctx, path.Root("borrow_concurrency_from"), &plannedLender)...)
	if resp.Diagnostics.HasError() {
		return
	}
	changed := true
	if !req.State.Raw.IsNull() {
		var prior, inForce types.Int64
		var priorLender types.String
		resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("concurrency_level"), &prior)...)
		resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("borrow_concurrency_from"), &priorLender)...)
		resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("concurrency_level_in_force"), &inForce)...)
		if resp.Diagnostics.HasError() {
			return
		}
		changed = !planned.Equal(prior) || !plannedLender.Equal(priorLender)
		// State written before the attribute existed (0.1.0's, upgraded without a refresh) has
		// null for a connection with a level of its own: there is nothing to keep, so the plan
		// stays the framework's, null when nothing changes and unknown in an update, which
		// records what integrator.io answers.
		unrecorded := inForce.IsNull() && !planned.IsNull()
		if !changed && !unrecorded {
			resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("concurrency_level_in_force"), inForce)...)
		}
	}
	if changed && !planned.IsNull() && !planned.IsUnknown() && planned.ValueInt64() > standardConcurrencyCap {
		resp.Diagnostics.AddAttributeWarning(path.Root("concurrency_level"), "Concurrency Level Above the Standard Licence",
			fmt.Sprintf("concurrency_level = %d is above %d. Accounts without the larger licence are capped at %d: "+
				"integrator.io will quietly lower the level, and concurrency_level_in_force will show the level it applies. "+
				"Check the account's licence, or set %d or less.",
				planned.ValueInt64(), standardConcurrencyCap, standardConcurrencyCap, standardConcurrencyCap))
	}
}
