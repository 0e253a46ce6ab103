# Terraform 1.10 or later (OpenTofu 1.11). The agent's access token is read at apply and handed
# to a local command through its environment: it is written to the agent's configuration file,
# never to the plan, the state or Terraform's output. No other provider is needed.
data "integratorio_agent" "dc1" {
  name = "dc1-agent"
}

ephemeral "integratorio_agent_token" "dc1" {
  agent_id = data.integratorio_agent.dc1.id
}

resource "terraform_data" "dc1_agent_config" {
  triggers_replace = [data.integratorio_agent.dc1.id, 1] # bump 1 after rotating the token

  provisioner "local-exec" {
    environment = {
      AGENT_TOKEN = ephemeral.integratorio_agent_token.dc1.access_token
    }
    command = "umask 077 && mkdir -p agent && printf 'AGENT_TOKEN=%s\\n' \"$AGENT_TOKEN\" > agent/dc1.env"
  }
}
