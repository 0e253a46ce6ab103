//go:build tools

// Package tools pins Terraform 1.15 for scripts/install-tools.sh.
package tools

import _ "github.com/hashicorp/terraform"
