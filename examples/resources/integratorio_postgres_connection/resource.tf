variable "orders_db_password" {
  type      = string
  sensitive = true
}

# PEM values are text, not file names: file("ca.pem"), a secret store or a tls_* resource.
variable "orders_ca_pem" {
  type = string
}

# A database reachable from the internet, over TLS, checked before it is saved.
resource "integratorio_postgres_connection" "orders" {
  name     = "Orders DB"
  host     = "orders.db.example.com"
  database = "orders"
  username = "integrator"
  password = var.orders_db_password

  use_ssl = true
  ssl_ca  = var.orders_ca_pem

  concurrency_level = 10
  # integrator.io's driver options (Celigo's example: a connection timeout), and PostgreSQL
  # run-time parameters.
  properties = {
    connectTimeout    = "30"
    application_name  = "integrator.io"
    statement_timeout = "30000"
  }
}

# A database behind the firewall, reached through an on-premise agent, with a write-only
# password (Terraform 1.11+): it is sent to integrator.io but never stored in state.
data "integratorio_agent" "datacenter" {
  name = "dc1-agent"
}

variable "warehouse_db_password" {
  type      = string
  sensitive = true
  ephemeral = true
}

resource "integratorio_postgres_connection" "warehouse" {
  name     = "Warehouse DB"
  mode     = "on_premise"
  agent_id = data.integratorio_agent.datacenter.id
  host     = "10.20.0.15"
  database = "warehouse"
  username = "integrator"

  password_wo         = var.warehouse_db_password
  password_wo_version = 1 # bump to send a new password

  # Shares the orders connection's concurrency limit.
  borrow_concurrency_from = integratorio_postgres_connection.orders.id
}

# Client-certificate login with an encrypted key.
variable "reporting_tls" {
  type = object({
    ca          = string
    certificate = string
    key         = string
    passphrase  = string
  })
  sensitive = true
}

resource "integratorio_postgres_connection" "reporting" {
  name     = "Reporting DB"
  host     = "reporting.db.example.com"
  database = "reporting"
  username = "reporter"

  use_ssl         = true
  ssl_ca          = var.reporting_tls.ca
  ssl_certificate = var.reporting_tls.certificate
  ssl_key         = var.reporting_tls.key
  ssl_passphrase  = var.reporting_tls.passphrase

  # Terraform runs outside the database's network: let only integrator.io test it.
  connectivity_check = {
    direct  = false
    timeout = "1m"
  }
}
