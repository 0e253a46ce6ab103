# A database behind a firewall, reached through an on-premise agent looked up by name. The
# apply refuses to go on when the agent is offline, and the password never enters state.
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

variable "db" {
  description = "How the agent reaches the database: host, port, database and user."
  type = object({
    host     = string
    port     = number
    database = string
    username = string
  })
}

variable "db_password" {
  type      = string
  sensitive = true
  ephemeral = true
}

data "integratorio_agent" "this" {
  name = var.agent_name
}

resource "integratorio_postgres_connection" "warehouse" {
  name     = "Warehouse DB"
  mode     = "on_premise"
  agent_id = data.integratorio_agent.this.id
  host     = var.db.host
  port     = var.db.port
  database = var.db.database
  username = var.db.username

  password_wo         = var.db_password
  password_wo_version = 1
}

output "agent_last_seen" {
  value = data.integratorio_agent.this.last_heartbeat_at
}
