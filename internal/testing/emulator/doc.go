// Package emulator is an in-memory emulation of the integrator.io REST API described in
// shared/integratorio-api.md: connections (PostgreSQL and other RDBMS documents), on-premise
// agents, token info (full-access and custom-scoped tokens), bearer authentication, paging,
// secret masking, connection tests and the per-account rate limit shared by all its tokens.
// Where the API reference leaves a reading open, a Config field plays each one.
//
// It is deliberately independent of internal/client: documents are stored as generic JSON
// (map[string]any), so unknown fields round-trip, PUT is a true full replace, and a
// misunderstanding of the API in one implementation is caught by the other instead of shared.
//
// Besides the API under /v1, a Server answers test-only controls under /_emulator, only to
// requests addressed to a loopback host, and with Config.ControlsRequireToken only with one of
// its API tokens: seeding agents and switching them on or offline, injecting faults (status
// pages, rate limiting, dropped connections, slow and truncated answers), request statistics,
// the raw unmasked documents, and a reset. Each control has a Go method twin for in-process
// tests. A Server is safe for concurrent use.
package emulator
