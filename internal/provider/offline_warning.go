package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
)

// offlineWarning warns, on every plan of a connection integrator.io marks offline, what that means
// and how to bring it back. The flag changes only on integrator.io's side (a failed test or flow),
// so a plain plan would otherwise say "No changes" and only -refresh-only would show it.
func (r *postgresConnectionResource) offlineWarning(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.State.Raw.IsNull() {
		return // a create
	}
	state, diags := getModel(ctx, req.State)
	if diags.HasError() || !state.Offline.ValueBool() {
		return
	}
	next := "Fix what the last test reported (host, port, credentials, SSL settings, or the database or agent itself), " +
		"then test it again: invoke the integratorio_connection_test action (terraform apply " +
		"-invoke=action.integratorio_connection_test.NAME, Terraform 1.14 or later), or press Test connection in " +
		"integrator.io; integrator.io also re-tests offline connections by itself several times an hour."
	if !req.Plan.Raw.Equal(req.State.Raw) {
		if plan, d := getModel(ctx, resp.Plan); !d.HasError() {
			if checks, _ := plan.checkPlan(ctx, r.data.checkDefaults()); checks.viaAPI {
				next = "This plan changes the connection, and the apply tests it after saving: a passing test brings it back online. " + next
			}
		}
	}
	resp.Diagnostics.AddAttributeWarning(path.Root("offline"), "Connection Offline",
		fmt.Sprintf("integrator.io marks connection %q (%s) offline: a test or a flow failed to connect with it, so flows "+
			"that use it are paused until a test passes.\n\n%s", state.Name.ValueString(), state.ID.ValueString(), next))
}
