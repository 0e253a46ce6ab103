// Package client is a small client for the integrator.io REST API: connections, on-premise
// agents and token information. It has no Terraform dependencies.
//
// Every call takes a context first. Failed calls return a *APIError (test it with errors.Is
// against ErrNotFound, ErrUnauthorized, ErrForbidden, ErrValidation or ErrRateLimited); a create
// whose outcome cannot be known returns an error matching ErrOutcomeUnknown. The API token never
// appears in an error or a log line.
package client

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Regions lists the values WithRegion and BaseURLForRegion accept, the default first.
var Regions = []string{"us", "eu"}

// DefaultUserAgent is sent when WithUserAgent is not given.
const DefaultUserAgent = "integratorio-go-client"

// DefaultMaxRetries is how many times a failed call is retried when WithMaxRetries is not given.
const DefaultMaxRetries = 4

// maxMaxRetries bounds WithMaxRetries: past this, retries only hide an outage for hours.
const maxMaxRetries = 20

// defaultTimeout bounds one HTTP exchange of the default HTTP client. Pings make the server
// reach a database, so it is generous.
const defaultTimeout = 2 * time.Minute

var regionBaseURLs = map[string]string{
	"us": "https://api.integrator.io/v1",
	"eu": "https://api.eu.integrator.io/v1",
}

// BaseURLForRegion returns the API base URL of a region ("us" or "eu", case-insensitive).
func BaseURLForRegion(region string) (string, error) {
	u, ok := regionBaseURLs[strings.ToLower(strings.TrimSpace(region))]
	if !ok {
		return "", fmt.Errorf("unknown integrator.io region %q: use one of %s", region, strings.Join(Regions, ", "))
	}
	return u, nil
}

// Logger receives the client's diagnostics: Debug for each exchange, Warn for each retry. Fields
// never hold the token or a request body. A Terraform provider bridges it to tflog.
type Logger interface {
	Debug(ctx context.Context, msg string, fields map[string]any)
	Warn(ctx context.Context, msg string, fields map[string]any)
}

type nopLogger struct{}

func (nopLogger) Debug(context.Context, string, map[string]any) {}
func (nopLogger) Warn(context.Context, string, map[string]any)  {}

// Client talks to one integrator.io account. It is safe for concurrent use.
type Client struct {
	// Connections manages connection documents.
	Connections *ConnectionsService
	// Agents reads on-premise agent documents.
	Agents *AgentsService

	baseURL    *url.URL
	token      string
	httpClient *http.Client
	userAgent  string
	maxRetries int
	logger     Logger

	// sleep waits between attempts; tests replace it so they never wait for real.
	sleep func(ctx context.Context, d time.Duration) error
}

// ClientOption configures a Client; pass options to New.
type ClientOption func(*settings) error //nolint:revive // Option names the driver property type

type settings struct {
	token      string
	region     string
	baseURL    string
	httpClient *http.Client
	userAgent  string
	maxRetries int
	logger     Logger
}

// WithToken sets the API token sent as "Authorization: Bearer <token>". Required.
func WithToken(token string) ClientOption {
	return func(s *settings) error {
		s.token = token
		return nil
	}
}

// WithRegion selects the API of a region, "us" (the default) or "eu". WithBaseURL overrides it.
func WithRegion(region string) ClientOption {
	return func(s *settings) error {
		if _, err := BaseURLForRegion(region); err != nil {
			return err
		}
		s.region = region
		return nil
	}
}

// WithBaseURL sets the API base URL, such as "https://api.integrator.io/v1", overriding the
// region. It must be absolute and use https, except on a loopback host (localhost, 127.0.0.0/8,
// ::1) where http is allowed for emulators and tests.
func WithBaseURL(baseURL string) ClientOption {
	return func(s *settings) error {
		s.baseURL = baseURL
		return nil
	}
}

// WithHTTPClient sets the HTTP client. The client is copied, not modified; the copy refuses
// redirects so that a POST is never silently turned into a GET.
func WithHTTPClient(hc *http.Client) ClientOption {
	return func(s *settings) error {
		if hc == nil {
			return errors.New("WithHTTPClient: the HTTP client is nil")
		}
		s.httpClient = hc
		return nil
	}
}

// WithUserAgent sets the User-Agent header, for example "terraform-provider-integratorio/1.2.0".
func WithUserAgent(ua string) ClientOption {
	return func(s *settings) error {
		if strings.ContainsAny(ua, "\r\n") {
			return errors.New("WithUserAgent: the user agent must be a single line")
		}
		s.userAgent = ua
		return nil
	}
}

// WithMaxRetries sets how many times a failed call may be retried (0 disables retries; default
// 4). Whatever the setting, ConnectionsService.Create is never repeated once its request may
// have reached the server.
func WithMaxRetries(n int) ClientOption {
	return func(s *settings) error {
		if n < 0 || n > maxMaxRetries {
			return fmt.Errorf("WithMaxRetries: %d is out of range: use 0 to %d", n, maxMaxRetries)
		}
		s.maxRetries = n
		return nil
	}
}

// WithLogger sets where the client logs its requests and retries. By default it logs nothing.
func WithLogger(l Logger) ClientOption {
	return func(s *settings) error {
		if l == nil {
			l = nopLogger{}
		}
		s.logger = l
		return nil
	}
}

// WithRequestTimeout bounds each attempt of a request (sending it and reading the whole answer),
// so that a server that stops answering costs one attempt, not the whole call: a safe call is
// then retried, and a create reports ErrOutcomeUnknown. The default is two minutes, since pings
// make the server reach a database. It applies to the default HTTP client or to the one given by
// a WithHTTPClient placed before it.
func WithRequestTimeout(d time.Duration) ClientOption {
	return func(s *settings) error {
		if d <= 0 {
			return fmt.Errorf("WithRequestTimeout: %s is not a positive duration", d)
		}
		hc := http.Client{}
		if s.httpClient != nil {
			hc = *s.httpClient
		}
		hc.Timeout = d
		s.httpClient = &hc
		return nil
	}
}

// New returns a client configured by opts. WithToken is required.
func New(opts ...ClientOption) (*Client, error) {
	s := settings{
		region:     Regions[0],
		userAgent:  DefaultUserAgent,
		maxRetries: DefaultMaxRetries,
		logger:     nopLogger{},
	}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(&s); err != nil {
			return nil, fmt.Errorf("integrator.io client: %w", err)
		}
	}

	if err := checkToken(s.token); err != nil {
		return nil, fmt.Errorf("integrator.io client: %w", err)
	}

	raw := s.baseURL
	if raw == "" {
		raw, _ = BaseURLForRegion(s.region) // validated by WithRegion
	}
	base, err := parseBaseURL(raw)
	if err != nil {
		return nil, fmt.Errorf("integrator.io client: %w", err)
	}

	var hc http.Client
	if s.httpClient != nil {
		hc = *s.httpClient
	} else {
		hc = http.Client{Timeout: defaultTimeout}
	}
	// The API never redirects. Following one would turn a POST into a GET (or send the request
	// to another host), so a redirect is reported as an error instead.
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

	c := &Client{
		baseURL:    base,
		token:      s.token,
		httpClient: &hc,
		userAgent:  s.userAgent,
		maxRetries: s.maxRetries,
		logger:     s.logger,
		sleep:      sleepContext,
	}
	c.Connections = &ConnectionsService{client: c}
	c.Agents = &AgentsService{client: c}
	return c, nil
}

// BaseURL returns the API base URL the client sends requests to.
func (c *Client) BaseURL() string { return c.baseURL.String() }

// TokenInfo returns what the API knows about the client's token (GET /tokenInfo). It is the
// cheapest way to check that the token is valid for the selected region.
func (c *Client) TokenInfo(ctx context.Context) (*TokenInfo, error) {
	call := c.newCall(http.MethodGet, "/tokenInfo", nil, safeToRepeat)
	resp, err := c.do(ctx, call)
	if err != nil {
		return nil, err
	}
	var info TokenInfo
	if err := c.decodeObject(resp, &info, "token information"); err != nil {
		return nil, call.decodeError(err)
	}
	return &info, nil
}

// checkToken rejects tokens that cannot be sent in a header. The token itself is never quoted.
func checkToken(token string) error {
	if strings.TrimSpace(token) == "" {
		return errors.New("an API token is required: set it with WithToken")
	}
	for _, r := range token {
		if r <= ' ' || r == 0x7f {
			return errors.New("the API token contains spaces or control characters: check that it was copied whole and alone")
		}
	}
	return nil
}

// RedactedURL is raw as an error may quote it: without its user information, query and
// fragment, each replaced by "***" (a token or password can hide in any of them), or a
// description when raw does not parse as a URL.
func RedactedURL(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return "(a value that does not parse as a URL, not shown)"
	}
	if u.User != nil {
		u.User = url.User("***")
	}
	if u.RawQuery != "" || u.ForceQuery {
		u.RawQuery, u.ForceQuery = "***", false
	}
	if u.Fragment != "" || u.RawFragment != "" {
		u.Fragment, u.RawFragment = "***", ""
	}
	u.Opaque = redactOpaque(u.Opaque)
	// url.User escapes the asterisks; show them as the query's and fragment's are shown.
	return strings.Replace(u.String(), "%2A%2A%2A@", "***@", 1)
}

// redactOpaque hides an opaque URL's text ("https:user:secret@host"), which url.Parse keeps
// whole: it can hold what a user meant as credentials.
func redactOpaque(opaque string) string {
	if opaque == "" {
		return ""
	}
	return "***"
}

func parseBaseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		// Not quoted whole: an unparsable URL could hold credentials the checks below never see.
		return nil, fmt.Errorf("the base URL is not a valid URL: %w", errors.Unwrap(err))
	}
	shown := RedactedURL(raw)
	if u.User != nil {
		return nil, fmt.Errorf("base URL %q must not contain credentials: pass the token with WithToken", shown)
	}
	if !u.IsAbs() || u.Host == "" {
		return nil, fmt.Errorf("base URL %q must be absolute, such as %q", shown, regionBaseURLs["us"])
	}
	if u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return nil, fmt.Errorf("base URL %q must not have a query or fragment", shown)
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
	case "http":
		if !isLoopbackHost(u.Hostname()) {
			return nil, fmt.Errorf("base URL %q uses http, which would send the API token unencrypted: use https (http is allowed only for localhost, 127.0.0.0/8 and ::1)", shown)
		}
	default:
		return nil, fmt.Errorf("base URL %q must use https", shown)
	}
	u.Scheme = strings.ToLower(u.Scheme)
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = strings.TrimRight(u.RawPath, "/")
	return u, nil
}

func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
