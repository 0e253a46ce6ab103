# A check block that keeps watching (Terraform 1.5+, OpenTofu 1.8+): every plan and apply reads
# the connection and its agent again and warns when integrator.io has marked the connection
# offline or the agent is down. A failed check is a warning: it never fails the plan, so a
# broken database elsewhere does not block unrelated changes.
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

data "integratorio_agent" "datacenter" {
  name = var.agent_name
}

resource "integratorio_postgres_connection" "warehouse" {
  name     = "Warehouse DB (watched)"
  mode     = "on_premise"
  agent_id = data.integratorio_agent.datacenter.id
  host     = var.db.host
  port     = var.db.port
  database = var.db.database
  username = var.db.username

  password_wo         = var.db_password
  password_wo_version = 1
}

# A check block's data source is read at every plan, after the resource exists; the resource's
# own offline attribute would only show a change with -refresh-only. One data source per check.
check "warehouse_connection_online" {
  data "integratorio_postgres_connection" "warehouse" {
    id = integratorio_postgres_connection.warehouse.id
  }

  assert {
    condition     = !data.integratorio_postgres_connection.warehouse.offline
    error_message = "Connection ${data.integratorio_postgres_connection.warehouse.name} (${data.integratorio_postgres_connection.warehouse.id}) is offline in integrator.io: flows using it are paused. Fix its settings, or test it again with terraform apply -invoke=action.integratorio_connection_test.<name> (Terraform 1.14+)."
  }
}

check "warehouse_agent_online" {
  data "integratorio_agent" "warehouse" {
    id = integratorio_postgres_connection.warehouse.agent_id
  }

  assert {
    condition     = data.integratorio_agent.warehouse.online
    error_message = "Agent ${data.integratorio_agent.warehouse.name} is offline (last seen ${coalesce(data.integratorio_agent.warehouse.last_heartbeat_at, "never")}): integrator.io cannot reach the connections behind it. Start the agent on its host."
  }
}
