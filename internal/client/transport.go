package client

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Bounds on waiting between attempts.
const (
	backoffBase   = 500 * time.Millisecond
	backoffMax    = 30 * time.Second
	retryAfterMax = 60 * time.Second
)

// maxSuccessBody bounds a successful response: a page of 1000 connections with certificates
// fits with room to spare, while a runaway body cannot exhaust memory.
const maxSuccessBody = 64 << 20

var errBodyTooLarge = errors.New("the response body is larger than the client accepts")

// repeatPolicy says what may be retried after the server may have seen the request.
type repeatPolicy int

const (
	// safeToRepeat calls (GET, PUT, DELETE, pings) are retried after 429, 5xx and transport
	// errors.
	safeToRepeat repeatPolicy = iota
	// sendOnce calls (POST /connections) are retried only when the server certainly did not act
	// on them: a 429, or a failure before any connection was made. Anything else after the
	// request may have been sent yields ErrOutcomeUnknown.
	sendOnce
)

// call is one logical API request, which do may send several times.
type call struct {
	method string
	url    *url.URL
	path   string // shown in errors and logs: the URL below the base URL, token redacted
	body   []byte // nil for no body
	policy repeatPolicy
}

// response is a completed exchange.
type response struct {
	status int
	header http.Header
	body   []byte
}

// newCall prepares a request to path, which is relative to the base URL and already escaped.
func (c *Client) newCall(method, path string, body []byte, policy repeatPolicy) *call {
	u := *c.baseURL
	u.Path = c.baseURL.Path + mustUnescape(path)
	u.RawPath = c.baseURL.EscapedPath() + path
	return c.newCallURL(method, &u, body, policy)
}

// newCallURL prepares a request to an absolute URL on the API host (a next-page link).
func (c *Client) newCallURL(method string, u *url.URL, body []byte, policy repeatPolicy) *call {
	path := strings.TrimPrefix(u.EscapedPath(), c.baseURL.EscapedPath())
	if path == "" {
		path = "/"
	}
	if u.RawQuery != "" {
		path += "?" + u.RawQuery
	}
	return &call{method: method, url: u, path: c.redact(path), body: body, policy: policy}
}

func mustUnescape(escaped string) string {
	p, err := url.PathUnescape(escaped)
	if err != nil {
		return escaped // unreachable: paths are built with url.PathEscape
	}
	return p
}

// decodeError wraps a failure to decode a successful response.
func (cl *call) decodeError(err error) error {
	return fmt.Errorf("integrator.io API: %s %s: %w", cl.method, cl.path, err)
}

// do sends cl, retrying as its policy allows, and returns the 2xx response. A non-2xx response
// becomes a *APIError.
//
// This loop is written here rather than taken from hashicorp/go-retryablehttp on purpose: a
// create (sendOnce) may be repeated only if the server certainly did not act on it, so the loop
// must know whether the request reached a connection (the httptrace GotConn hook in send) and
// turn anything ambiguous into ErrOutcomeUnknown. go-retryablehttp's CheckRetry sees only the
// response and the error, not whether the request was sent, and would repeat a POST blindly.
func (c *Client) do(ctx context.Context, cl *call) (*response, error) {
	attempts := c.maxRetries + 1
	// failures counts the attempts that failed for a reason of their own (errors, 5xx), which
	// max_retries bounds; throttled counts the 429s, which only the operation's deadline (or,
	// without one, throttleBudget) bounds: the account's limit is shared by every token and
	// workspace using it, so a busy account is waited out instead of failing the apply.
	failures, throttled := 0, 0
	var throttledFor time.Duration
	for attempt := 1; ; attempt++ {
		resp, connected, err := c.send(ctx, cl, attempt)

		var lastErr error
		var wait time.Duration
		switch {
		case err != nil:
			if cl.policy == sendOnce && connected {
				return nil, c.outcomeUnknown(cl, err)
			}
			lastErr = c.transportError(cl, err, attempt)
			if ctx.Err() != nil || !retryableTransportError(err) {
				return nil, lastErr
			}
			failures++
			wait = c.backoff(failures)
		case resp.status == http.StatusTooManyRequests:
			// The server turned the request away without acting, so even a POST is repeated.
			lastErr = c.newAPIError(cl, resp)
			throttled++
			wait = withJitter(retryAfter(resp.header, time.Now(), c.backoff(throttled)))
		case resp.status >= 500:
			apiErr := c.newAPIError(cl, resp)
			if cl.policy == sendOnce {
				return nil, c.outcomeUnknown(cl, apiErr)
			}
			lastErr = apiErr
			failures++
			wait = retryAfter(resp.header, time.Now(), c.backoff(failures))
		case resp.status < 200 || resp.status >= 300:
			return nil, c.newAPIError(cl, resp)
		default:
			return resp, nil
		}

		isThrottled := resp != nil && resp.status == http.StatusTooManyRequests
		if !isThrottled && failures >= attempts {
			return nil, lastErr
		}
		deadline, hasDeadline := ctx.Deadline()
		switch {
		case hasDeadline && time.Until(deadline) < wait:
			// Waiting would only end in the deadline.
			if isThrottled {
				return nil, c.rateLimited(cl, lastErr, throttled, throttledFor)
			}
			return nil, lastErr
		case isThrottled && !hasDeadline && throttledFor+wait > throttleBudget:
			return nil, c.rateLimited(cl, lastErr, throttled, throttledFor)
		}
		if isThrottled {
			throttledFor += wait
		}
		c.logger.Warn(ctx, "integrator.io API request failed, retrying", map[string]any{
			"method":       cl.method,
			"path":         cl.path,
			"attempt":      attempt,
			"max_attempts": attempts,
			"throttled":    throttled,
			"wait":         wait.String(),
			"error":        lastErr.Error(),
		})
		if err := c.sleep(ctx, wait); err != nil {
			if isThrottled && errors.Is(err, context.DeadlineExceeded) {
				return nil, c.rateLimited(cl, lastErr, throttled, throttledFor)
			}
			return nil, &chainError{
				msg:  lastErr.Error() + " (stopped waiting to retry: " + err.Error() + ")",
				errs: []error{lastErr, err},
			}
		}
	}
}

// throttleBudget bounds the time spent waiting out 429s by a call whose context has no deadline.
const throttleBudget = 10 * time.Minute

// withJitter adds up to a quarter to a Retry-After wait, so the clients an account's bucket
// turned away together do not all come back in the same instant and empty it again.
func withJitter(d time.Duration) time.Duration {
	if d <= 0 {
		return d
	}
	return d + rand.N(d/4+1) //nolint:gosec // jitter needs no cryptographic randomness
}

// rateLimited reports a call given up while integrator.io was still answering 429: the account's
// rate limit, which all of its tokens share, not a fault of the host, the URL or the token.
func (c *Client) rateLimited(cl *call, last error, throttled int, waited time.Duration) error {
	msg := fmt.Sprintf("integrator.io API: %s %s: integrator.io is rate-limiting this account: it answered 429 Too Many "+
		"Requests %d time(s) over %s, until the time this operation may take was used up. "+
		"The limit is the account's, shared by all of its tokens, workspaces and other automation: try again when "+
		"the account is less busy, lower terraform's -parallelism, or raise the resource's timeouts",
		cl.method, cl.path, throttled, waited.Round(time.Second))
	return &chainError{msg: c.redact(msg), errs: []error{ErrRateLimited, last}}
}

// send makes one attempt. connected reports whether a connection to the server was obtained,
// after which the request may have reached it. Reading the body is part of the attempt: a
// truncated body is a transport error.
func (c *Client) send(ctx context.Context, cl *call, attempt int) (resp *response, connected bool, err error) {
	var gotConn atomic.Bool
	// GotConn is earlier than WroteRequest, and so the stricter signal: a POST is repeated only if
	// no byte of it can have reached the server.
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		GotConn: func(httptrace.GotConnInfo) { gotConn.Store(true) },
	})

	var reqBody io.Reader
	if cl.body != nil {
		reqBody = bytes.NewReader(cl.body)
	}
	req, err := http.NewRequestWithContext(ctx, cl.method, cl.url.String(), reqBody)
	if err != nil {
		return nil, false, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	if cl.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}

	start := time.Now()
	httpResp, err := c.httpClient.Do(req)
	if err != nil {
		return nil, gotConn.Load(), err
	}
	defer func() { _ = httpResp.Body.Close() }() // a close error after reading changes nothing

	success := httpResp.StatusCode >= 200 && httpResp.StatusCode < 300
	limit := int64(maxErrorBody)
	if success {
		limit = maxSuccessBody
	}
	body, err := io.ReadAll(io.LimitReader(httpResp.Body, limit+1))
	switch {
	case err != nil && success:
		return nil, true, fmt.Errorf("reading the response: %w", err)
	case int64(len(body)) > limit && success:
		return nil, true, errBodyTooLarge
	case int64(len(body)) > limit:
		body = body[:limit] // an error excerpt needs only the start
	}
	// A read error on an error response still leaves its status, which is what matters.

	c.logger.Debug(ctx, "integrator.io API request", map[string]any{
		"method":      cl.method,
		"path":        cl.path,
		"status":      httpResp.StatusCode,
		"attempt":     attempt,
		"duration_ms": time.Since(start).Milliseconds(),
	})
	return &response{status: httpResp.StatusCode, header: httpResp.Header, body: body}, true, nil
}

// transportError reports a failure to exchange a request and response.
func (c *Client) transportError(cl *call, err error, attempt int) error {
	cause := err
	var ue *url.Error
	if errors.As(err, &ue) {
		cause = ue.Err // its text repeats the whole URL
	}
	msg := fmt.Sprintf("integrator.io API: %s %s: %v", cl.method, cl.path, cause)
	if attempt > 1 {
		msg += fmt.Sprintf(" (after %d attempts)", attempt)
	}
	return &chainError{msg: c.redact(msg), errs: []error{err}}
}

// outcomeUnknown reports a non-repeatable request that may or may not have taken effect.
func (c *Client) outcomeUnknown(cl *call, cause error) error {
	var text string
	var apiErr *APIError
	if errors.As(cause, &apiErr) {
		text = apiErr.summary()
	} else {
		var ue *url.Error
		if errors.As(cause, &ue) {
			text = ue.Err.Error()
		} else {
			text = cause.Error()
		}
	}
	msg := fmt.Sprintf("integrator.io API: %s %s: outcome unknown: the request may have reached the server, so it was not repeated; check whether it took effect before trying again: %s",
		cl.method, cl.path, text)
	return &chainError{msg: c.redact(msg), errs: []error{ErrOutcomeUnknown, cause}}
}

// retryableTransportError is false for failures that another attempt cannot cure.
func retryableTransportError(err error) bool {
	if errors.Is(err, errBodyTooLarge) || errors.Is(err, context.Canceled) {
		return false
	}
	var (
		unknownAuthority x509.UnknownAuthorityError
		hostname         x509.HostnameError
		invalidCert      x509.CertificateInvalidError
		verification     *tls.CertificateVerificationError
		recordHeader     tls.RecordHeaderError
		dnsErr           *net.DNSError
	)
	switch {
	case errors.As(err, &unknownAuthority), errors.As(err, &hostname), errors.As(err, &invalidCert),
		errors.As(err, &verification), errors.As(err, &recordHeader):
		return false
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		return false
	}
	return true
}

// backoff is the wait before the attempt after attempt: exponential with jitter, so clients that
// failed together do not come back together.
func (c *Client) backoff(attempt int) time.Duration {
	d := backoffMax
	if shift := attempt - 1; shift < 16 {
		d = min(backoffBase<<shift, backoffMax)
	}
	return d/2 + rand.N(d/2+1) //nolint:gosec // jitter needs no cryptographic randomness
}

// retryAfter reads a Retry-After header (seconds or an HTTP date), capped at retryAfterMax, or
// returns fallback when there is none.
func retryAfter(h http.Header, now time.Time, fallback time.Duration) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return fallback
	}
	var d time.Duration
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return fallback
		}
		d = time.Duration(min(secs, int64(retryAfterMax/time.Second))) * time.Second
	} else if at, err := http.ParseTime(v); err == nil {
		d = max(at.Sub(now), 0)
	} else {
		return fallback
	}
	return min(d, retryAfterMax)
}

// sleepContext waits for d or until ctx ends, whichever comes first.
func sleepContext(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
