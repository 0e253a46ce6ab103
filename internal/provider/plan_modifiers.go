package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// onlineStaysOnline plans offline = false for an update of a connection that is online. In
// integrator.io only a failed test marks a connection offline; a save never does (a save with
// working credentials clears the flag). Without this, every update would show offline as
// "(known after apply)". An offline connection's flag stays unknown: the save may clear it.
func onlineStaysOnline() planmodifier.Bool { return onlineStaysOnlineModifier{} }

type onlineStaysOnlineModifier struct{}

func (onlineStaysOnlineModifier) Description(context.Context) string {
	return "An online connection stays online through an update: only a failed test marks it offline."
}

func (m onlineStaysOnlineModifier) MarkdownDescription(ctx context.Context) string {
	return m.Description(ctx)
}

func (onlineStaysOnlineModifier) PlanModifyBool(_ context.Context, req planmodifier.BoolRequest, resp *planmodifier.BoolResponse) {
	if req.State.Raw.IsNull() || req.Plan.Raw.IsNull() || !req.PlanValue.IsUnknown() {
		return // create, destroy, or already planned
	}
	if !req.StateValue.IsNull() && !req.StateValue.IsUnknown() && !req.StateValue.ValueBool() {
		resp.PlanValue = types.BoolValue(false)
	}
}
