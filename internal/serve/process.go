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

// GarbageCollectionDefaults sets the collector's pace unless GOGC or GOMEMLIMIT say otherwise.
func GarbageCollectionDefaults() {
	if os.Getenv("GOMEMLIMIT") == "" && os.Getenv("GOGC") == "" {
		debug.SetMemoryLimit(64 << 20)
		debug.SetGCPercent(400)
	}
}
