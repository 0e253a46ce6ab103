# Terraform 1.14 or later, beside main.tf:
#
#   terraform query                                     # what would be adopted
#   terraform query -generate-config-out=generated.tf   # import blocks and resource blocks
#
# Filters narrow the listing; every one is optional. Connections of other types never match.
list "integratorio_postgres_connection" "orders" {
  provider         = integratorio
  include_resource = true # the attributes an import reads, so the generated blocks are complete

  config {
    name = "Orders*"               # `*` stands for any run of characters
    host = "orders.db.example.com" # case-insensitive
    mode = "cloud"                 # or "on_premise"; agent_id = "..." for one agent's connections
  }
}
