terraform {
  required_providers {
    integratorio = {
      source = "integratorio/integratorio"
    }
  }
}

# The token is best given through the INTEGRATORIO_API_TOKEN environment variable; a variable
# marked sensitive works too.
variable "integratorio_api_token" {
  type      = string
  sensitive = true
  default   = null
}

provider "integratorio" {
  api_token = var.integratorio_api_token # or INTEGRATORIO_API_TOKEN
  region    = "us"                       # "us" (default) or "eu"; or INTEGRATORIO_REGION
}
