package provider

import (
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/integratorio/terraform-provider-integratorio/internal/client"
)

// chooseAmongNamesakes picks the agent a lookup by name means when several agents have that
// name. Reinstalling an agent registers a new one under the old name, and the old one stays,
// offline: when exactly one of them is online, it is the one, with a warning naming the others.
// Otherwise the error lists each with its state and last heartbeat, to choose by id.
func chooseAmongNamesakes(name string, matches []client.Agent, diags *diag.Diagnostics) *client.Agent {
	var online []int
	described := make([]string, len(matches))
	for i, a := range matches {
		state := "offline"
		if !a.Offline {
			state = "online"
			online = append(online, i)
		}
		described[i] = fmt.Sprintf("%s (%s, %s)", a.ID, state, lastSeen(a.LastHeartbeatAt))
	}
	if len(online) == 1 {
		chosen := &matches[online[0]]
		var others []string
		for i := range matches {
			if i != online[0] {
				others = append(others, described[i])
			}
		}
		diags.AddAttributeWarning(path.Root("name"), "Several Agents Have This Name",
			fmt.Sprintf("%d agents are named %q; the only one online, %s, was chosen (an agent reinstalled under its old name "+
				"leaves the old one behind, offline). The others: %s. Delete the old agents in integrator.io, or select the agent "+
				"with id = %q, to silence this warning.", len(matches), name, chosen.ID, strings.Join(others, "; "), chosen.ID))
		return chosen
	}
	why := "none of them is online"
	if len(online) > 1 {
		why = fmt.Sprintf("%d of them are online", len(online))
	}
	diags.AddAttributeError(path.Root("name"), "Several Agents Have This Name",
		fmt.Sprintf("%d agents are named %q and %s, so which one is meant is not clear: %s. Select one with id instead of name, "+
			"or delete or rename the others in integrator.io.", len(matches), name, why, strings.Join(described, "; ")))
	return nil
}
