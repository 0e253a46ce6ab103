//go:build tools

// Package tools pins Terraform 1.16 for scripts/install-tools.sh.
package tools

import _ "github.com/hashicorp/terraform"
