// Command terraform-provider-integratorio serves the integrator.io Terraform provider.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"runtime/debug"

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

	quietUncollectedLogs()
	softMemoryLimit()

	err := providerserver.Serve(context.Background(), provider.New(version), providerserver.ServeOpts{
		Address: "registry.terraform.io/integratorio/integratorio",
		Debug:   debug,
	})
	if err != nil {
		log.Fatal(err.Error())
	}
}

// logEnvVars are the variables with which a user asks Terraform for logs.
var logEnvVars = []string{"TF_LOG", "TF_LOG_PATH", "TF_LOG_PROVIDER", "TF_LOG_SDK", "TF_LOG_SDK_FRAMEWORK", "TF_LOG_SDK_PROTO"}

// quietUncollectedLogs turns the plugin SDK's own logging off when no log is asked for. The SDK
// otherwise formats trace lines for every call that Terraform then throws away: a third of the
// provider's CPU when refreshing hundreds of connections (measured with make bench).
func quietUncollectedLogs() {
	for _, v := range logEnvVars {
		if os.Getenv(v) != "" {
			return
		}
	}
	_ = os.Setenv("TF_LOG_SDK", "off")
}

// softMemoryLimit asks the garbage collector to keep the heap near 64 MiB unless GOMEMLIMIT says
// otherwise. It is a soft limit: the provider can still use more when it needs to. A large
// refresh otherwise grows to 100 MB of mostly short-lived garbage (measured with make bench).
func softMemoryLimit() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(64 << 20)
	}
}
