# OpenTofu, and Terraform before 1.14 (no terraform query): an import block by id, the 24
# hexadecimal characters at the end of the connection's URL in integrator.io. Then
#   terraform plan -generate-config-out=generated.tf
# writes the resource block (Terraform 1.5+, OpenTofu 1.6+).
import {
  to = integratorio_postgres_connection.orders
  id = "62beb2c2a0f5f2144816f818"
}
