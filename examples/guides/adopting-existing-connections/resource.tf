# The adopted connection, as -generate-config-out writes it, with the secret added by hand.
# Settings you leave out are not "unmanaged": Terraform would plan them back to their defaults,
# so keep every argument the generated file has.
resource "integratorio_postgres_connection" "orders" {
  name     = "Orders DB"
  host     = "orders.db.example.com"
  port     = 5432
  database = "orders"
  username = "integrator"

  password_wo         = var.orders_db_password
  password_wo_version = 1

  use_ssl                       = true
  ssl_ca                        = var.orders_ca_pem # integrator.io masks it: supply it too
  ssl_verify_server_certificate = true
  concurrency_level             = 5
}
