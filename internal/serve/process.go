package serve

import (
	"os"
	"path"
	"runtime/debug"
	"strings"
)

// QuietLogEnvVars are the loggers of a provider process, each at trace level unless its variable
// says otherwise: the provider's own logger (TF_LOG_PROVIDER_ and the provider's name, as
// terraform-plugin-go names it) and the plugin SDK's. TF_LOG_PROVIDER itself is Terraform's.
var QuietLogEnvVars = []string{
	"TF_LOG_PROVIDER_" + strings.ToUpper(path.Base(Address)),
	"TF_LOG_PROVIDER", "TF_LOG_SDK", "TF_LOG_SDK_FRAMEWORK", "TF_LOG_SDK_PROTO",
}

// QuietUncollectedLogs turns the provider's and the plugin SDK's logging off when no log is asked
// for: no TF_LOG* variable is set to anything. Terraform then throws every line away, but the SDK
// would still build, mask and format trace lines for every call: a third of the provider's CPU
// when refreshing hundreds of connections (make bench).
func QuietUncollectedLogs() {
	for _, kv := range os.Environ() {
		name, value, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "TF_LOG") && value != "" { // empty is unset, as for Terraform
			return
		}
	}
	for _, v := range QuietLogEnvVars {
		_ = os.Setenv(v, "off")
	}
}

// GarbageCollectionDefaults has the collector run a third as often as by default (GOGC=300), with
// no memory limit, unless GOGC or GOMEMLIMIT is set: then the runtime runs as the user set it.
//
// Why: the plugin framework allocates about 2 MB of short-lived maps per resource refreshed (it
// rebuilds the schema's attribute map at every step of every attribute path), so in a refresh the
// collector runs dozens of times a second over a live heap of only 4-8 MiB. Provider CPU and peak
// RSS per refresh, from scripts/bench.sh -n 500,2000 -runs 2 -baseline 9673fa1 -gc ... (medians,
// 2-core machine; a second such run gave the same order):
//
//	                           N=500            N=2000
//	GOGC=100 (Go's default)    1.88 s  33 MiB   8.49 s  38 MiB
//	GOGC=200                   1.53 s  39 MiB   6.90 s  47 MiB
//	GOGC=300                   1.41 s  47 MiB   6.11 s  60 MiB
//	GOGC=400                   1.37 s  55 MiB   5.39 s  65 MiB
//	9673fa1, before Server     2.09 s  79 MiB  29.62 s 171 MiB  (GOGC=400, 64 MiB limit)
//
// GOGC=300 keeps a refresh of 2,000 under 64 MiB, where 400 does not every time, at a third less
// CPU than before. A memory limit barely moves the CPU but stalls the refresh: with GOGC=400,
// GOMEMLIMIT=48MiB took 3.6 s instead of 2.3 s at N=500 and 27 s instead of 11 s at N=2000.
func GarbageCollectionDefaults() {
	if os.Getenv("GOMEMLIMIT") == "" && os.Getenv("GOGC") == "" {
		debug.SetGCPercent(300)
	}
}
