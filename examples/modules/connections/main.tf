# A small module of PostgreSQL connections, the kind a repository keeps for its integrations:
# one connection per database, over TLS, with write-only passwords. Its tests are under tests/:
#
#   terraform test -filter=tests/plan.tftest.hcl    # no service at all (mock_provider)
#   terraform test -filter=tests/apply.tftest.hcl   # against the integrator.io emulator
terraform {
  required_version = ">= 1.11" # write-only passwords; mock_provider needs 1.7
  required_providers {
    integratorio = {
      source = "integratorio/integratorio"
    }
  }
}

variable "databases" {
  description = "The databases to connect, by a short key: where each is and how to log in (the password goes in passwords)."
  type = map(object({
    host     = string
    port     = optional(number, 5432)
    database = string
    username = string
    ca_pem   = optional(string)
  }))

  validation {
    condition     = alltrue([for d in values(var.databases) : !strcontains(d.host, "://") && !strcontains(d.host, ":")])
    error_message = "Each host is a host name or address only: put the port in port, not a URL or host:port."
  }
}

variable "passwords" {
  description = "The password of each database, by the same keys. Write-only: never stored in state."
  type        = map(string)
  sensitive   = true
  ephemeral   = true
}

variable "password_version" {
  description = "Bump to send the passwords again (a rotation)."
  type        = number
  default     = 1
}

variable "name_prefix" {
  type    = string
  default = "app-"
}

variable "direct_check" {
  description = "Log in from where Terraform runs before saving (false when Terraform runs outside the databases' network)."
  type        = bool
  default     = true
}

resource "integratorio_postgres_connection" "this" {
  for_each = var.databases

  name     = "${var.name_prefix}${each.key}"
  host     = each.value.host
  port     = each.value.port
  database = each.value.database
  username = each.value.username

  password_wo         = var.passwords[each.key]
  password_wo_version = var.password_version

  use_ssl = true
  ssl_ca  = each.value.ca_pem

  connectivity_check = {
    direct = var.direct_check
  }
}

output "ids" {
  description = "The connection id of each database, by key."
  value       = { for k, c in integratorio_postgres_connection.this : k => c.id }
}

output "offline" {
  description = "The keys of the connections integrator.io's last test found offline."
  value       = [for k, c in integratorio_postgres_connection.this : k if c.offline]
}
