# Several integrator.io environments (and regions) from one configuration: one provider block
# per environment, each with its own API token. A token belongs to one account and one
# environment; nothing else (no header, no host) picks the environment.
terraform {
  required_providers {
    integratorio = {
      source = "integratorio/integratorio"
    }
  }
}

variable "tokens" {
  description = "The API token of each environment, made in that environment in integrator.io."
  type = object({
    staging       = string
    production    = string
    production_eu = string
  })
  sensitive = true
}

provider "integratorio" {
  alias     = "staging"
  api_token = var.tokens.staging
}

provider "integratorio" {
  alias     = "production"
  api_token = var.tokens.production
}

# Another region is another account: its own token and base URL.
provider "integratorio" {
  alias     = "production_eu"
  api_token = var.tokens.production_eu
  region    = "eu"
}

variable "orders_db" {
  description = "The orders database of each environment: host, database, user and its CA's PEM text."
  type = map(object({
    host     = string
    database = string
    username = string
    ca_pem   = string
  }))
}

variable "orders_db_passwords" {
  type      = map(string)
  sensitive = true
  ephemeral = true
}

variable "orders_db_password_version" {
  type    = number
  default = 1
}

# Each resource takes its environment with the provider meta-argument (a module takes it with
# providers = { integratorio = integratorio.staging }).
resource "integratorio_postgres_connection" "orders_staging" {
  provider = integratorio.staging

  name     = "Orders DB"
  host     = var.orders_db["staging"].host
  database = var.orders_db["staging"].database
  username = var.orders_db["staging"].username
  use_ssl  = true
  ssl_ca   = var.orders_db["staging"].ca_pem

  password_wo         = var.orders_db_passwords["staging"]
  password_wo_version = var.orders_db_password_version
}

# The same name in another environment is another connection with another id.
resource "integratorio_postgres_connection" "orders_production" {
  provider = integratorio.production

  name     = "Orders DB"
  host     = var.orders_db["production"].host
  database = var.orders_db["production"].database
  username = var.orders_db["production"].username
  use_ssl  = true
  ssl_ca   = var.orders_db["production"].ca_pem

  password_wo         = var.orders_db_passwords["production"]
  password_wo_version = var.orders_db_password_version
}

# The EU account, adopted from the connection that already exists there.
resource "integratorio_postgres_connection" "orders_eu" {
  provider = integratorio.production_eu

  name     = "Orders DB (EU)"
  host     = var.orders_db["production_eu"].host
  database = var.orders_db["production_eu"].database
  username = var.orders_db["production_eu"].username
  use_ssl  = true
  ssl_ca   = var.orders_db["production_eu"].ca_pem

  password_wo         = var.orders_db_passwords["production_eu"]
  password_wo_version = var.orders_db_password_version
}

# An import names the provider of the environment the id belongs to: ids never cross
# environments, so the same id under another provider is "not found".
import {
  provider = integratorio.production_eu
  to       = integratorio_postgres_connection.orders_eu
  id       = "62beb2c2a0f5f2144816f818"
}

output "connection_ids" {
  value = {
    staging       = integratorio_postgres_connection.orders_staging.id
    production    = integratorio_postgres_connection.orders_production.id
    production_eu = integratorio_postgres_connection.orders_eu.id
  }
}
