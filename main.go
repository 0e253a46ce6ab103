// Command terraform-provider-integratorio serves the integrator.io Terraform provider.
package main

import (
	"context"
	"flag"
	"log"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/integratorio/terraform-provider-integratorio/internal/provider"
)

// version is set at release time by goreleaser: -ldflags "-X main.version=...".
var version = "dev"

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "run the provider with support for debuggers like delve")
	flag.Parse()

	err := providerserver.Serve(context.Background(), provider.New(version), providerserver.ServeOpts{
		Address: "registry.terraform.io/integratorio/integratorio",
		Debug:   debug,
	})
	if err != nil {
		log.Fatal(err.Error())
	}
}
