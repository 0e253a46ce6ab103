import {
  to = integratorio_postgres_connection.orders
  id = "62beb2c2a0f5f2144816f818"
}
