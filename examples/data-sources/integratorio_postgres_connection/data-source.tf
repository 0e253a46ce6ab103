# A connection another configuration (or the integrator.io UI) owns: lend its concurrency to a
# connection managed here.
data "integratorio_postgres_connection" "lender" {
  name = "Warehouse DB"
}

variable "reporting_password" {
  type      = string
  sensitive = true
}

resource "integratorio_postgres_connection" "reporting" {
  name                    = "Reporting DB"
  host                    = data.integratorio_postgres_connection.lender.host
  database                = "reporting"
  username                = "reporter"
  password                = var.reporting_password
  borrow_concurrency_from = data.integratorio_postgres_connection.lender.id
}
