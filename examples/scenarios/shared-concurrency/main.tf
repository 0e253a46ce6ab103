# Three connections to one database that together stay within one concurrency limit: the first
# sets the level, the other two borrow it.
terraform {
  required_providers {
    integratorio = {
      source = "integratorio/integratorio"
    }
  }
}

provider "integratorio" {}

variable "db" {
  description = "How to reach the database: host, port, database, user, password and the CA's PEM text."
  type = object({
    host     = string
    port     = number
    database = string
    username = string
    password = string
    ca_pem   = string
  })
  sensitive = true
}

resource "integratorio_postgres_connection" "lender" {
  name              = "Orders DB (shared limit)"
  host              = var.db.host
  port              = var.db.port
  database          = var.db.database
  username          = var.db.username
  password          = var.db.password
  use_ssl           = true
  ssl_ca            = var.db.ca_pem
  concurrency_level = 12
}

resource "integratorio_postgres_connection" "borrower" {
  for_each = toset(["Orders DB (reports)", "Orders DB (exports)"])

  name                    = each.key
  host                    = var.db.host
  port                    = var.db.port
  database                = var.db.database
  username                = var.db.username
  password                = var.db.password
  use_ssl                 = true
  ssl_ca                  = var.db.ca_pem
  borrow_concurrency_from = integratorio_postgres_connection.lender.id
}

output "shared_limit" {
  value = {
    lender    = integratorio_postgres_connection.lender.id
    level     = integratorio_postgres_connection.lender.concurrency_level
    borrowers = [for b in integratorio_postgres_connection.borrower : b.id]
  }
}
