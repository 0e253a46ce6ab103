# Terraform 1.14 and 1.15. Terraform 1.16 refuses this (an action reference cycle): see ../action.tf.
variable "db_password" {
  type      = string
  sensitive = true
}

resource "integratorio_postgres_connection" "orders" {
  name     = "Orders DB"
  host     = "db.example.com"
  database = "orders"
  username = "integrator"
  password = var.db_password
  use_ssl  = true

  # Test the connection through integrator.io after every update, which also brings an offline
  # connection back online once it works.
  lifecycle {
    action_trigger {
      events  = [after_update]
      actions = [action.integratorio_connection_test.orders]
    }
  }
}

# Or on demand: terraform apply -invoke=action.integratorio_connection_test.orders
action "integratorio_connection_test" "orders" {
  config {
    connection_id = integratorio_postgres_connection.orders.id
    timeout       = "1m"
  }
}

# Also log in from where Terraform runs, with the password (which integrator.io never shows).
action "integratorio_connection_test" "orders_from_here" {
  config {
    connection_id = integratorio_postgres_connection.orders.id
    direct_check  = true
    password      = var.db_password
  }
}
