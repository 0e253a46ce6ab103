# Adopting connections made in the integrator.io UI (or by another tool): the provider block and
# the variables the adopted connections' secrets come from. integrator.io never returns a
# password or key, so generated configuration cannot hold them: you supply each one.
terraform {
  required_providers {
    integratorio = {
      source = "integratorio/integratorio"
    }
  }
}

provider "integratorio" {} # INTEGRATORIO_API_TOKEN, and INTEGRATORIO_REGION or _BASE_URL

variable "orders_db_password" {
  type      = string
  sensitive = true
  ephemeral = true # write-only: kept out of plan and state (Terraform 1.11+, OpenTofu 1.11+)
}

variable "orders_ca_pem" {
  type = string
}
