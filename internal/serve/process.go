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

// GarbageCollectionDefaults has the collector run at a quarter of its default frequency
// (GOGC=400), with no memory limit, unless GOGC or GOMEMLIMIT is set: then the user's settings
// are the runtime's, untouched.
//
// Why: the plugin framework allocates about 2 MB of short-lived maps per resource refreshed (it rebuilds the
// schema's attribute map at every step of every attribute path), so in a refresh the collector
// runs dozens of times a second over a live heap of only 4-8 MiB. Measured with make bench on a
// 2-core machine (scripts/bench.sh -n 500,2000 -gc ..., 2 runs, medians), provider CPU per
// refresh and peak RSS:
//
//	                         N=500             N=2000
//	GOGC=100 (Go's default)  1.81 s  33 MiB    6.66 s  37 MiB
//	GOGC=200                 1.48 s  43 MiB    5.75 s  49 MiB
//	GOGC=300                 1.36 s  48 MiB    5.13 s  61 MiB
//	GOGC=400                 1.29 s  52 MiB    4.92 s  63 MiB
//	before the fix of Server 1.76 s  79 MiB   26.68 s 167 MiB   (GOGC=400 + 64 MiB limit)
//
// A memory limit (GOMEMLIMIT 40 or 48 MiB) barely moves the CPU but stalls the refresh: 2.0 s
// became 3.4-4.1 s at N=500, 8.7 s became 21-23 s at N=2000. So none is set.
func GarbageCollectionDefaults() {
	if os.Getenv("GOMEMLIMIT") == "" && os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
}
