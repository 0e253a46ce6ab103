# Plan-level assertions with no integrator.io account and no database: mock_provider answers
# for the provider (Terraform 1.7+), so this runs anywhere, in any CI, in seconds.
#
#   terraform test -filter=tests/plan.tftest.hcl

mock_provider "integratorio" {
  # What a mocked apply returns for the attributes integrator.io sets.
  mock_resource "integratorio_postgres_connection" {
    defaults = {
      id      = "62beb2c2a0f5f2144816f818"
      offline = false
    }
  }
}

variables {
  databases = {
    orders = { host = "orders.db.example.com", database = "orders", username = "integrator", ca_pem = file("tests/example-ca.pem") }
    stock  = { host = "stock.db.example.com", port = 6432, database = "stock", username = "integrator", ca_pem = file("tests/example-ca.pem") }
  }
  passwords = {
    orders = "not-a-real-password"
    stock  = "not-a-real-password-either"
  }
}

run "names_and_settings" {
  command = plan

  assert {
    condition     = length(integratorio_postgres_connection.this) == 2
    error_message = "one connection per database"
  }
  assert {
    condition     = integratorio_postgres_connection.this["orders"].name == "app-orders"
    error_message = "connections are named with the prefix and the key"
  }
  assert {
    condition     = integratorio_postgres_connection.this["stock"].port == 6432
    error_message = "the port is passed through"
  }
  assert {
    condition     = integratorio_postgres_connection.this["orders"].port == 5432
    error_message = "the port defaults to 5432"
  }
  assert {
    condition     = alltrue([for c in integratorio_postgres_connection.this : c.use_ssl])
    error_message = "every connection uses TLS"
  }
}

run "rotation_bumps_every_version" {
  command = plan

  variables {
    password_version = 2
  }

  assert {
    condition     = alltrue([for c in integratorio_postgres_connection.this : c.password_wo_version == 2])
    error_message = "a rotation sends every password again"
  }
}

run "apply_with_mocks" {
  # A mocked apply: nothing is sent anywhere; outputs come from the mock's defaults.
  assert {
    condition     = output.ids["orders"] == "62beb2c2a0f5f2144816f818"
    error_message = "ids are output by key"
  }
  assert {
    condition     = output.offline == []
    error_message = "no connection is offline"
  }
}

run "refuses_a_url_as_host" {
  command = plan

  variables {
    databases = {
      orders = { host = "postgres://orders.db.example.com:5432", database = "orders", username = "integrator" }
    }
    passwords = { orders = "not-a-real-password" }
  }

  # The module's own validation; the provider's (which names the attribute) runs too, even
  # with a mocked provider, and fails the plan the same way.
  expect_failures = [var.databases]
}
