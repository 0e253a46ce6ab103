// Command terraform-provider-integratorio serves the integrator.io Terraform provider.
package main

import (
	"flag"
	"fmt"
	"log"

	"github.com/integratorio/terraform-provider-integratorio/internal/provider"
	"github.com/integratorio/terraform-provider-integratorio/internal/serve"
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

	serve.QuietUncollectedLogs()
	serve.GarbageCollectionDefaults()
	if err := serve.Provider(provider.New(version), debug); err != nil {
		log.Fatal(err.Error())
	}
}
