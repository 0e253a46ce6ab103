# Every agent whose name starts with "dc", and those of them that are offline.
data "integratorio_agents" "dc" {
  name_prefix = "dc"
}

data "integratorio_agents" "dc_offline" {
  name_prefix = "dc"
  online      = false
}

output "offline_agents" {
  value = [for a in data.integratorio_agents.dc_offline.agents : "${a.name} (last seen ${coalesce(a.last_heartbeat_at, "never")})"]
}
