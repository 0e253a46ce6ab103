# Find an on-premise agent by name and refuse to go on if it is offline.
data "integratorio_agent" "datacenter" {
  name           = "dc1-agent"
  require_online = true
}

output "agent" {
  value = {
    id                = data.integratorio_agent.datacenter.id
    online            = data.integratorio_agent.datacenter.online
    last_heartbeat_at = data.integratorio_agent.datacenter.last_heartbeat_at
  }
}
