// Command terraform-provider-integratorio serves the integrator.io Terraform provider.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"runtime/debug"
	"strings"

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

// quietLogEnvVars are the loggers of a provider process: its own and the plugin SDK's. Each logs
// at trace level unless its variable says otherwise.
var quietLogEnvVars = []string{"TF_LOG_PROVIDER", "TF_LOG_SDK", "TF_LOG_SDK_FRAMEWORK", "TF_LOG_SDK_PROTO"}

// quietUncollectedLogs turns the provider's and the plugin SDK's logging off when no log is asked
// for: no TF_LOG* variable is set to anything. Terraform then throws every line away, but the SDK
// would still build, mask and format trace lines for every call: a third of the provider's CPU
// when refreshing hundreds of connections (make bench).
func quietUncollectedLogs() {
	for _, kv := range os.Environ() {
		name, value, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "TF_LOG") && value != "" { // empty is unset, as for Terraform
			return
		}
	}
	for _, v := range quietLogEnvVars {
		_ = os.Setenv(v, "off")
	}
}

// softMemoryLimit lets the heap grow to 64 MiB before the garbage collector works hard, unless
// GOMEMLIMIT or GOGC say otherwise. Almost everything the provider allocates is short-lived
// (per-call conversions in the plugin framework), so collecting less often saves CPU (8% of a
// refresh of 500 connections), while the soft limit keeps the peak below 100 MB (make bench).
func softMemoryLimit() {
	if os.Getenv("GOMEMLIMIT") == "" && os.Getenv("GOGC") == "" {
		debug.SetMemoryLimit(64 << 20)
		debug.SetGCPercent(400)
	}
}
