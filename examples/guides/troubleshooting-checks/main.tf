# Skipping a connectivity check, where that is the right call. Each skip is narrow: one check,
# one connection, or one machine, never "all checks everywhere" by default.
terraform {
  required_providers {
    integratorio = {
      source = "integratorio/integratorio"
    }
  }
}

provider "integratorio" {
  # Defaults for every connection of this configuration; a connection's own connectivity_check
  # wins. INTEGRATORIO_CHECK_DIRECT=false sets the same for one CI runner only.
  connectivity_check = {
    timeout = "1m" # a database created in the same apply gets a minute to start
  }
}

variable "orders_ca_pem" {
  type = string
}

variable "db_password" {
  type      = string
  sensitive = true
  ephemeral = true
}

# Terraform runs outside the database's network (a hosted CI runner, say), but integrator.io
# reaches it: skip the login from here, keep integrator.io's test.
resource "integratorio_postgres_connection" "orders" {
  name     = "Orders DB"
  host     = "orders.db.example.com"
  database = "orders"
  username = "integrator"
  use_ssl  = true
  ssl_ca   = var.orders_ca_pem

  password_wo         = var.db_password
  password_wo_version = 1

  connectivity_check = {
    direct = false
  }
}

# The database does not exist yet (it is created later, by another team), or is down for
# maintenance: save the connection without any test. integrator.io marks it offline at its
# first failed test; turn the checks back on once it is up.
resource "integratorio_postgres_connection" "future" {
  name     = "Billing DB (not yet live)"
  host     = "billing.db.example.com"
  database = "billing"
  username = "integrator"
  use_ssl  = true
  ssl_ca   = var.orders_ca_pem

  password_wo         = var.db_password
  password_wo_version = 1

  connectivity_check = {
    direct  = false
    via_api = false
  }
}
