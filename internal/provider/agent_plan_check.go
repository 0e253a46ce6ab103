package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// planAgent looks up, at plan, the agent of an on-premise connection that the plan creates or
// changes, when its id is known: an id that names no agent fails the plan (the apply could only
// fail), and an agent integrator.io reports offline is warned about (the apply's agent check
// would fail, or the connection's flows would not run).
func (r *postgresConnectionResource) planAgent(ctx context.Context, config postgresConnectionModel, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if r.data == nil || !config.onPremise() || !isSet(config.AgentID) || !objectIDPattern.MatchString(config.AgentID.ValueString()) {
		return
	}
	if !req.State.Raw.IsNull() && req.Plan.Raw.Equal(req.State.Raw) {
		return // nothing will be sent
	}
	id := config.AgentID.ValueString()
	agent, err := r.data.client.Agents.Get(ctx, id)
	switch {
	case isNotFound(err):
		resp.Diagnostics.AddAttributeError(path.Root("agent_id"), "Agent Not Found",
			fmt.Sprintf("No on-premise agent with id %s exists in this integrator.io account, so this connection could never "+
				"reach its database. Look the agent up by name with the integratorio_agent data source, or create one in "+
				"integrator.io under Resources → Agents.", id))
	case err != nil:
		// A token without agent access, or no answer: the apply's agent check says so, with what to do.
		tflog.Debug(ctx, "agent not checked at plan", map[string]any{"agent_id": id, "error": err.Error()})
	case agent.Offline:
		plan, _ := getModel(ctx, resp.Plan)
		checks, _ := plan.checkPlan(ctx, r.data.checkDefaults())
		consequence := "The apply checks the agent first and will fail, saving nothing, unless the agent is running by then " +
			"(or the checks are off: connectivity_check = { via_api = false, direct = false })."
		if !checks.direct && !checks.viaAPI {
			consequence = "The checks are off, so the apply saves the connection, but integrator.io cannot reach the database " +
				"and flows using the connection will not run until the agent is back."
		}
		resp.Diagnostics.AddAttributeWarning(path.Root("agent_id"), "Agent Offline",
			fmt.Sprintf("Agent %q (%s) is offline: %s. integrator.io reaches on-premise databases only through a running agent. "+
				"%s Start the agent on its host, or pick another agent.", agent.Name, agent.ID, lastSeen(agent.LastHeartbeatAt), consequence))
	}
}
