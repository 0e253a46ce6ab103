# The demo scenario `make demo` applies against the local emulator and a local PostgreSQL with
# TLS. postgres.json is written by the demo's throwaway PostgreSQL server (internal/cmd/pgserver-demo).
terraform {
  required_providers {
    integratorio = {
      source = "integratorio/integratorio"
    }
  }
}

# Configured from INTEGRATORIO_API_TOKEN and INTEGRATORIO_BASE_URL.
provider "integratorio" {}

variable "postgres_settings_file" {
  type        = string
  description = "The JSON file describing the local PostgreSQL server."
}

locals {
  pg = jsondecode(file(var.postgres_settings_file))
}

# The on-premise agent, looked up by name; the connection checks that it is online before saving.
data "integratorio_agent" "datacenter" {
  name = "dc1-agent"
}

# 1. A cloud connection over TLS with a password, checked directly and by integrator.io.
resource "integratorio_postgres_connection" "orders" {
  name              = "Orders DB"
  host              = local.pg.host
  port              = local.pg.port
  database          = local.pg.database
  username          = local.pg.password_user
  password          = sensitive(local.pg.password)
  use_ssl           = true
  ssl_ca            = file(local.pg.ca_file)
  concurrency_level = 10

  properties = {
    statement_timeout = "30000"
  }
}

# 2. Client-certificate login with an encrypted private key; shares the orders connection's
#    concurrency limit.
resource "integratorio_postgres_connection" "reporting" {
  name            = "Reporting DB"
  host            = local.pg.host
  port            = local.pg.port
  database        = local.pg.database
  username        = local.pg.cert_user
  use_ssl         = true
  ssl_ca          = file(local.pg.ca_file)
  ssl_certificate = file(local.pg.client_cert_file)
  ssl_key         = file(local.pg.client_key_encrypted_file)
  ssl_passphrase  = sensitive(local.pg.client_key_passphrase)

  borrow_concurrency_from = integratorio_postgres_connection.orders.id
}

# 3. The same database reached through the on-premise agent (integrator.io tests it through
#    the agent; the direct check is off by default in this mode).
resource "integratorio_postgres_connection" "warehouse" {
  name     = "Warehouse DB (on-premise)"
  mode     = "on_premise"
  agent_id = data.integratorio_agent.datacenter.id
  host     = local.pg.host
  port     = local.pg.port
  database = local.pg.database
  username = local.pg.password_user
  password = sensitive(local.pg.password)

  borrow_concurrency_from = integratorio_postgres_connection.orders.id
}

output "connections" {
  value = {
    for c in [
      integratorio_postgres_connection.orders,
      integratorio_postgres_connection.reporting,
      integratorio_postgres_connection.warehouse,
    ] : c.name => { id = c.id, mode = c.mode, offline = c.offline }
  }
}

output "agent" {
  value = {
    id                = data.integratorio_agent.datacenter.id
    online            = data.integratorio_agent.datacenter.online
    last_heartbeat_at = data.integratorio_agent.datacenter.last_heartbeat_at
  }
}
