# Terraform 1.16 or later. Terraform 1.14 and 1.15 refuse `caller`: see terraform-1.14-1.15/action.tf.
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

  # Test the connection through integrator.io after every create and update, which also brings an
  # offline connection back online once it works. on_failure = taint: a connection whose test fails
  # right after its create is tainted, so the next apply replaces it (and tests it again); a test
  # that fails after an update stops the apply, as halt (the default) does. continue would show the
  # failure as a warning and let the apply finish.
  lifecycle {
    action_trigger {
      events     = [after_create, after_update]
      actions    = [action.integratorio_connection_test.orders]
      on_failure = taint
    }
  }
}

# Triggered by the connection above: `caller` is the resource whose trigger runs it (referring to
# integratorio_postgres_connection.orders.id here is a reference cycle on Terraform 1.16).
action "integratorio_connection_test" "orders" {
  config {
    connection_id = caller.id
    timeout       = "1m"
  }
}

# On demand: terraform apply -invoke=action.integratorio_connection_test.orders_from_here
# Also logs in from where Terraform runs, with the password (which integrator.io never shows).
action "integratorio_connection_test" "orders_from_here" {
  config {
    connection_id = integratorio_postgres_connection.orders.id
    direct_check  = true
    password      = var.db_password
  }
}
