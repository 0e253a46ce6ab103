// Command terraform-provider-integratorio serves the integrator.io Terraform provider.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/integratorio/terraform-provider-integratorio/internal/provider"
)

// Set at release time by goreleaser: -ldflags "-X main.version=... -X main.commit=...".
var (
	version = "dev"
	commit  = "none"
)

func main() {
	var debug, showVersion bool
	flag.BoolVar(&debug, "debug", false, "run the provider with support for debuggers like delve")
	flag.BoolVar(&showVersion, "version", false, "print the version and exit")
	flag.Parse()
	if showVersion {
		fmt.Printf("terraform-provider-integratorio %s (commit %s)\n", version, commit)
		return
	}

	err := providerserver.Serve(context.Background(), provider.New(version), providerserver.ServeOpts{
		Address: "registry.terraform.io/integratorio/integratorio",
		Debug:   debug,
	})
	if err != nil {
		log.Fatal(err.Error())
	}
}
