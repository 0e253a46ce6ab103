# Installing an on-premise agent by automation, with no other provider: the agent's access token
# is read at apply (an ephemeral resource, Terraform 1.10+ / OpenTofu 1.11+) and handed to a
# local command through its environment, so it appears in no plan, state or log. The command
# here writes the agent's configuration file; yours might call your configuration tool instead.
terraform {
  required_providers {
    integratorio = {
      source = "integratorio/integratorio"
    }
  }
}

provider "integratorio" {}

variable "agent_name" {
  type    = string
  default = "dc1-agent"
}

variable "agent_config_path" {
  description = "Where to write the agent's configuration (on the machine running Terraform)."
  type        = string
  default     = "agent-config/integrator-agent.env"
}

variable "agent_token_version" {
  description = "Bump after changing the agent's token in integrator.io, to write the new one."
  type        = number
  default     = 1
}

data "integratorio_agent" "this" {
  name = var.agent_name
}

ephemeral "integratorio_agent_token" "this" {
  agent_id = data.integratorio_agent.this.id
}

resource "terraform_data" "agent_config" {
  # Written again when the agent or the version changes.
  triggers_replace = [data.integratorio_agent.this.id, var.agent_token_version]

  provisioner "local-exec" {
    # The token is in the command's environment only: Terraform prints the command, never it.
    environment = {
      AGENT_TOKEN = ephemeral.integratorio_agent_token.this.access_token
      AGENT_ID    = data.integratorio_agent.this.id
      CONFIG_PATH = var.agent_config_path
    }
    command = <<-EOT
      set -eu
      umask 077
      mkdir -p "$(dirname "$CONFIG_PATH")"
      printf 'AGENT_ID=%s\nAGENT_TOKEN=%s\n' "$AGENT_ID" "$AGENT_TOKEN" > "$CONFIG_PATH"
    EOT
  }
}

output "agent_config" {
  value = "agent ${data.integratorio_agent.this.id} configured in ${var.agent_config_path}"
}
