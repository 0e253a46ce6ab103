package provider

import (
	"errors"

	"github.com/integratorio/terraform-provider-integratorio/internal/client"
)

// agentAccessMissing says which permission a token refused /agents (403) lacks and what to do.
// integratorio-api.md: custom-scoped API tokens and personal access tokens list connections,
// exports, imports and APIs, not agents, so such a token can be refused every agent call.
const agentAccessMissing = "The API token lacks access to on-premise agents: reading them (GET /v1/agents) needs " +
	"a token with full access, or one whose custom scope includes agents. Custom-scoped API tokens and personal " +
	"access tokens are typically limited to connections, exports, imports and APIs. Give the provider " +
	"(api_token, or " + envAPIToken + ") a full-access API token, created in integrator.io under " +
	"Resources → API tokens, or one whose scope includes agents."

// isForbidden reports whether integrator.io refused the call to this token (403).
func isForbidden(err error) bool { return errors.Is(err, client.ErrForbidden) }
