# With a secret store: Terraform 1.11 or later (ephemeral resources need 1.10, write-only arguments
# 1.11; OpenTofu 1.11).
# The agent's access token goes straight into a secret store's write-only argument: it is read at
# apply and never written to the plan or the state.
data "integratorio_agents" "dc1" {
  name_prefix = "dc1-"
}

ephemeral "integratorio_agent_token" "dc1" {
  agent_id = data.integratorio_agents.dc1.ids[0]
}

resource "aws_secretsmanager_secret" "agent_token" {
  name = "integrator-io/dc1-agent-token"
}

resource "aws_secretsmanager_secret_version" "agent_token" {
  secret_id                = aws_secretsmanager_secret.agent_token.id
  secret_string_wo         = ephemeral.integratorio_agent_token.dc1.access_token
  secret_string_wo_version = 1 # bump after rotating the token in integrator.io
}
