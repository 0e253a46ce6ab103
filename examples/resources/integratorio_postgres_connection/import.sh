# A connection is imported by its integrator.io id (the 24 hexadecimal characters in its URL).
# Secrets cannot be read back: the next apply sends the password (and key) from the configuration.
terraform import integratorio_postgres_connection.orders 62beb2c2a0f5f2144816f818
