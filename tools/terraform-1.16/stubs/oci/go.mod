// A stand-in for Terraform's "oci" state backend, whose module the Go module proxy does not serve.
module github.com/hashicorp/terraform/internal/backend/remote-state/oci

go 1.26.8

require github.com/hashicorp/terraform v1.16.4
