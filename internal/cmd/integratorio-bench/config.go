package main

import (
	"fmt"
	"strings"

	"github.com/integratorio/terraform-provider-integratorio/internal/testing/pgserver"
)

// providerConfig is N connections to the local PostgreSQL over verified TLS. rev goes into every
// name, so changing it changes one attribute of every resource. With direct, each create logs in
// to PostgreSQL first; with viaAPI, integrator.io tests each connection before and after its
// create (the emulator logs in to PostgreSQL for each test).
func providerConfig(n int, rev string, direct, viaAPI bool, pg *pgserver.Server, caFile string) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, `terraform {
  required_providers {
    integratorio = {
      source = %q
    }
  }
}

provider "integratorio" {}

variable "pg_password" {
  type      = string
  sensitive = true
}

resource "integratorio_postgres_connection" "c" {
  count    = %d
  name     = "bench-${count.index}-%s"
  host     = %q
  port     = %d
  database = %q
  username = %q
  password = var.pg_password
  use_ssl  = true
  ssl_ca   = file(%q)

  connectivity_check = {
    direct  = %t
    via_api = %t
  }
}
`, "integratorio/integratorio", n, rev, pg.Host, pg.Port, pg.Database, pg.PasswordUser, caFile, direct, viaAPI)
	return sb.String()
}

// floorConfig is the same shape with terraform_data: what Terraform costs with no provider work.
func floorConfig(n int, rev string, pg *pgserver.Server, caFile string) string {
	return fmt.Sprintf(`variable "pg_password" {
  type      = string
  sensitive = true
}

resource "terraform_data" "c" {
  count = %d
  input = {
    name     = "bench-${count.index}-%s"
    host     = %q
    port     = %d
    database = %q
    username = %q
    password = var.pg_password
    use_ssl  = true
    ssl_ca   = file(%q)
  }
}
`, n, rev, pg.Host, pg.Port, pg.Database, pg.PasswordUser, caFile)
}
