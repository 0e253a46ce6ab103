# orders.tfquery.hcl, next to a .tf file that configures the provider. Terraform 1.14 or later:
#
#   terraform query                                      # lists what matches
#   terraform query -generate-config-out=generated.tf    # writes import blocks and configuration
#
# Every filter is optional; connections of other types are always skipped.
list "integratorio_postgres_connection" "orders" {
  provider = integratorio

  config {
    name = "orders-*"       # `*` stands for any run of characters
    host = "db.example.com" # case-insensitive
    mode = "cloud"          # or "on_premise"; agent_id = "..." selects one agent's connections
  }
}

# Every PostgreSQL connection of the account, with the attributes an import would read.
list "integratorio_postgres_connection" "all" {
  provider         = integratorio
  include_resource = true
}
