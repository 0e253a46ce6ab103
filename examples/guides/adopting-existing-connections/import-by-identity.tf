# Terraform 1.12 or later: import by the resource's identity, as terraform query writes it.
import {
  to = integratorio_postgres_connection.orders
  identity = {
    id = "62beb2c2a0f5f2144816f818"
  }
}
