# Find an on-premise agent by name. Connections check that it is online when they are created
# or changed; require_online = true would also block plans and destroys while it is offline.
data "integratorio_agent" "datacenter" {
  name = "dc1-agent"
}

output "agent" {
  value = {
    id                = data.integratorio_agent.datacenter.id
    online            = data.integratorio_agent.datacenter.online
    last_heartbeat_at = data.integratorio_agent.datacenter.last_heartbeat_at
  }
}
