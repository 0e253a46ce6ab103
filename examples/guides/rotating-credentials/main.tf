# Rotating a password and a client key with write-only arguments (Terraform 1.11+, OpenTofu
# 1.11+): the secrets go to integrator.io, never into the plan or the state. Terraform cannot see
# a write-only value change, so each has a version: bump it, and the next apply sends the value.
terraform {
  required_providers {
    integratorio = {
      source = "integratorio/integratorio"
    }
  }
}

provider "integratorio" {}

variable "db" {
  description = "Where the database is (host, port, database, username) and its CA's PEM text (ca_pem)."
  type = object({
    host     = string
    port     = number
    database = string
    username = string
    ca_pem   = string
  })
}

# From a secret store, an environment variable (TF_VAR_db_password) or an ephemeral resource.
variable "db_password" {
  type      = string
  sensitive = true
  ephemeral = true
}

variable "db_password_version" {
  description = "Bump after changing the password in the database, to send the new one."
  type        = number
  default     = 1
}

resource "integratorio_postgres_connection" "orders" {
  name     = "Orders DB (rotated)"
  host     = var.db.host
  port     = var.db.port
  database = var.db.database
  username = var.db.username
  use_ssl  = true
  ssl_ca   = var.db.ca_pem

  password_wo         = var.db_password
  password_wo_version = var.db_password_version
}

# Certificate login: the certificate is not secret; its key and passphrase are.
variable "client_certificate" {
  description = "The user the client certificate logs in as (its common name) and the certificate's PEM text."
  type = object({
    username    = string
    certificate = string
  })
}

variable "client_key" {
  description = "The client certificate's private key (PEM, here encrypted) and its passphrase."
  type = object({
    key        = string
    passphrase = string
  })
  sensitive = true
  ephemeral = true
}

variable "client_key_version" {
  description = "Bump after issuing a new certificate and key, to send them."
  type        = number
  default     = 1
}

resource "integratorio_postgres_connection" "reporting" {
  name     = "Reporting DB (rotated)"
  host     = var.db.host
  port     = var.db.port
  database = var.db.database
  username = var.client_certificate.username
  use_ssl  = true
  ssl_ca   = var.db.ca_pem

  # A new certificate comes with a new key: change both and bump the version in one apply.
  ssl_certificate    = var.client_certificate.certificate
  ssl_key_wo         = var.client_key.key
  ssl_passphrase_wo  = var.client_key.passphrase
  ssl_key_wo_version = var.client_key_version
}
