package client_test

// The API contract suite: one list of cases, written once, run against
//   - the account that INTEGRATORIO_API_TOKEN / INTEGRATORIO_BASE_URL / INTEGRATORIO_REGION name,
//     with TF_ACC set (TestAccContract: `make testacc` gives it an emulator process, `make
//     testacc-live` a real account), and
//   - in-process emulators in several of their modes (TestContract_emulatorModes, always).
//
// A case asserts what this client relies on (a failed assertion fails the test) and records,
// as a reading, which of the readings the API reference allows the service took. Readings are
// observed, never assumed: a reading that no case observed says so. Read-only cases run first;
// writing cases create only connections named tf-acc-… and delete them.

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/integratorio/terraform-provider-integratorio/internal/client"
	"github.com/integratorio/terraform-provider-integratorio/internal/testing/emulator"
)

// contractNamePrefix starts the name of every connection the suite creates (`make sweep`
// deletes leftovers with it).
const contractNamePrefix = "tf-acc-contract-"

// reading is one question the API reference leaves open (or states, but has not been checked
// against the real service), in the order of the table.
type reading struct {
	key, question, reference string
}

var readings = []reading{
	{"tokeninfo.scope", "`scope` of GET /tokenInfo", `[doc] "*" for a full-access token; scoped tokens unpublished`},
	{"auth.401", "a wrong token", "[doc] 401; body [guess] the error envelope"},
	{"notfound", "GET of an id that does not exist", "[guess] 404 with the error envelope"},
	{"list.empty", "GET /connections with no connections", "[doc] 204 with an empty body"},
	{"agents.list", "GET /agents with this token", "[doc] 200 (204 when none); [guess] 403 for scoped tokens"},
	{"agents.status", "field telling an agent's state", "[doc] `offline`; Celigo's CLI also knows `online`"},
	{"validation.status", "POST without rdbms.host", "[doc] 422 with the error envelope"},
	{"validation.field", "`field` in that error", "[doc] optional, such as `rdbms.host`"},
	{"create.status", "POST /connections", "[doc] 201 and the created document"},
	{"create.offline", "`offline` right after a create", "[guess] unpublished"},
	{"mask.post", "secrets in the answer to POST", "[doc] masked as on GET"},
	{"mask.password", "rdbms.password on GET", `[doc] masked "******"`},
	{"mask.key", "rdbms.ssl.key on GET", `[doc] masked "******"`},
	{"mask.passphrase", "rdbms.ssl.passphrase on GET", `[doc] masked "******"`},
	{"mask.ca", "rdbms.ssl.ca on GET", "[doc]/[guess] masked or omitted (schema: write-only)"},
	{"mask.cert", "rdbms.ssl.cert on GET", "[doc]/[guess] masked or omitted (schema: write-only)"},
	{"usessl", "`rdbms.useSSL: true` sent with POST (as the UI sends it), on GET", "[ui] sent with every save; [guess] stored or dropped"},
	{"sandbox", "`sandbox` on a connection created without it", "[ui] the UI sets it on legacy production/sandbox accounts; [guess] inferred from the token or absent"},
	{"port.type", "rdbms.port on GET", "[doc] a number; [guess] a string in old documents"},
	{"lastmodifiedby", "`lastModifiedBy` on GET after a create", "[doc] set by the server: the _id of the user who last wrote it"},
	{"serverset.put", "a PUT that sends `lastModifiedBy` back (the client never does)", "[guess] unpublished: ignored or refused"},
	{"unknown.post", "an unknown field sent with POST", "[guess] unpublished"},
	{"externalid.post", "`externalId` (a field this client does not model) sent with POST", "[doc] a request field of Celigo's connection schema; [guess] stored as sent. The provider's create marker: recovery adopts a connection only when it carries it"},
	{"externalid.list", "that `externalId` in GET /connections (what a create's recovery reads)", "[doc] lists return the full default record; [guess] externalId among it"},
	{"unknown.put", "a field left out of a PUT", "[doc] erased (PUT replaces the whole document)"},
	{"ssl.empty.post", "an empty `\"ssl\": {}` on POST", "[guess] unpublished"},
	{"ssl.empty.put", "an empty `\"ssl\": {}` on PUT", "[guess] unpublished"},
	{"ping.fail.status", "a failed test of a saved connection", "[doc]/[guess] the error envelope with 200 or with an error status"},
	{"ping.fail.entry", "an error entry of a failed test", "[doc]/[ui] {code, message}, code a string or a number; or a plain string"},
	{"ping.unsaved.status", "a failed test of an unsaved connection (POST /connections/ping)", "[doc]/[guess] as for a saved one"},
	{"ping.offline", "`offline` after a failed test", "[ui] true"},
	{"test.endpoint", "POST /connections/{id}/test of the suite's own unreachable connection", "[doc] \"more thorough than ping\"; body and answer unpublished"},
	{"ping.ok", "a successful test of a saved connection", "[doc] 200"},
	{"ping.ok.offline", "`offline` after a successful test", "[ui] false"},
	{"save.offline", "`offline` of an offline connection after a save (PUT) of working settings", "[doc] help text: a clean save brings it back online; [ui] comment: only a test sets it"},
	{"paging.limit", "GET /connections?limit=1 with two or more connections", "[doc] pages via skip/limit"},
	{"paging.limit1000", "GET /connections?limit=1000 (what the client asks first)", "[doc] \"default 1000\" and \"Default 100\", no maximum; [guess] 400 `invalid_query_params`"},
	{"paging.next", "what the `rel=\"next\"` URL carries", "[doc] skip/limit (portal); [ui] a cursor after=<id>"},
	{"paging.host", "host of the `Link: rel=\"next\"` URL", "[doc] may differ from the one asked"},
	{"delete.status", "DELETE /connections/{id}", "[doc] 204 (to the recycle bin)"},
	{"delete.again", "DELETE of a deleted id", "[guess] 404"},
	{"ratelimit.headers", "rate-limit headers seen on any answer", "[doc] Retry-After on 429; others unpublished"},
	{"ratelimit.probes", "429 answers to the suite's raw probes (waited out for Retry-After, as the client does)", "[doc] per-account bucket, Retry-After in whole seconds"},
}

// contractTarget is an account to run the suite against.
type contractTarget struct {
	baseURL, token string
	pg             *contractPG // a database integrator.io can log in to; nil when none is given
	agent          string      // the name of an online agent; "" when none is given
}

type contractPG struct {
	Host     string
	Port     int
	Database string
	User     string
	Password string
	CA       string
}

// probe runs the cases against one target and holds what they observed.
type probe struct {
	tg     contractTarget
	c      *client.Client
	hc     *http.Client
	userID string

	mu          sync.Mutex
	observed    map[string]string
	rateHeaders map[string]bool
	waits429    int           // 429 answers raw probes waited out
	waited429   time.Duration // how long they waited in all
	created     []string
}

type contractCase struct {
	name   string
	writes bool
	run    func(t *testing.T, p *probe)
}

// contractCases: read-only cases first.
var contractCases = []contractCase{
	{"tokenInfo", false, caseTokenInfo},
	{"wrong token", false, caseWrongToken},
	{"gone id", false, caseNotFound},
	{"list", false, caseList},
	{"agents", false, caseAgents},
	{"validation error", true, caseValidation},
	{"create with each field and read back", true, caseCreateReadBack},
	{"empty ssl object", true, caseEmptySSL},
	{"PUT replaces the document", true, casePut},
	{"failed test and offline", true, casePingFailure},
	{"successful test, offline and saves", true, casePingWorks},
	{"paging", true, casePaging},
	{"delete", true, caseDelete},
	{"rate-limit headers", false, caseRateLimitHeaders},
}

func newProbe(t *testing.T, tg contractTarget) *probe {
	t.Helper()
	c, err := client.New(client.WithBaseURL(tg.baseURL), client.WithToken(tg.token), client.WithMaxRetries(2))
	if err != nil {
		t.Fatal(err)
	}
	p := &probe{tg: tg, c: c, hc: &http.Client{Timeout: 60 * time.Second}, observed: map[string]string{}, rateHeaders: map[string]bool{}}
	t.Cleanup(func() {
		for _, id := range p.created {
			if err := c.Connections.Delete(context.Background(), id); err != nil && !errors.Is(err, client.ErrNotFound) {
				t.Errorf("cleaning up connection %s: %v", id, err)
			}
		}
	})
	return p
}

// runContract runs every case in order; a failed case does not stop the others. With
// INTEGRATORIO_ACC_READ_ONLY set, the cases that create connections are skipped (their readings
// show as not observed), for a look at an account where nothing may be created.
func runContract(t *testing.T, p *probe) {
	readOnly := os.Getenv("INTEGRATORIO_ACC_READ_ONLY") != ""
	for _, cc := range contractCases {
		t.Run(cc.name, func(t *testing.T) {
			if cc.writes && readOnly {
				t.Skip("INTEGRATORIO_ACC_READ_ONLY is set: this case creates connections")
			}
			cc.run(t, p)
		})
	}
}

// The read-only cases come first, so a run that cannot write still observes them, and the last
// case only summarises what the others saw.
func TestContract_readOnlyCasesFirst(t *testing.T) {
	t.Parallel()
	wrote := false
	for _, cc := range contractCases[:len(contractCases)-1] {
		if cc.writes {
			wrote = true
		} else if wrote {
			t.Errorf("read-only case %q comes after a case that writes", cc.name)
		}
	}
	if last := contractCases[len(contractCases)-1]; last.writes || last.name != "rate-limit headers" {
		t.Errorf("the last case is %q; the rate-limit summary must come last", last.name)
	}
}

func (p *probe) record(key, format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.observed[key] = fmt.Sprintf(format, args...)
}

// answer is a raw HTTP answer.
type answer struct {
	status int
	header http.Header
	body   []byte
}

func (a answer) json() any {
	var v any
	if json.Unmarshal(a.body, &v) != nil {
		return nil
	}
	return v
}

func (a answer) doc() map[string]any {
	m, _ := a.json().(map[string]any)
	return m
}

// Raw probes wait out a 429 as the client does: up to probeRetries times, Retry-After seconds
// each (1 when absent), at most maxProbeWait. An account shared with other automation may be
// rate limited for a moment; that is not an answer to the question a probe asks.
const (
	probeRetries = 5
	maxProbeWait = 60 * time.Second
)

// raw sends one request as any HTTP client would, with this target's token unless token is
// given, and notes the rate-limit headers of the answer. A 429 is waited out (see probeRetries).
func (p *probe) raw(t *testing.T, method, path string, body any, token ...string) answer {
	t.Helper()
	for attempt := 0; ; attempt++ {
		a := p.rawOnce(t, method, path, body, token...)
		if a.status != http.StatusTooManyRequests || attempt == probeRetries {
			return a
		}
		wait := time.Second
		if s, err := strconv.Atoi(strings.TrimSpace(a.header.Get("Retry-After"))); err == nil && s > 0 {
			wait = min(time.Duration(s)*time.Second, maxProbeWait)
		}
		p.mu.Lock()
		p.waits429++
		p.waited429 += wait
		p.mu.Unlock()
		select {
		case <-time.After(wait):
		case <-t.Context().Done():
			t.Fatalf("%s %s: rate limited (429), and the test ended while waiting %s", method, path, wait)
		}
	}
}

// rawOnce is one request of raw.
func (p *probe) rawOnce(t *testing.T, method, path string, body any, token ...string) answer {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, p.tg.baseURL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	tok := p.tg.token
	if len(token) > 0 {
		tok = token[0]
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := p.hc.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		t.Fatalf("%s %s: reading the answer: %v", method, path, err)
	}
	p.mu.Lock()
	for name := range resp.Header {
		if l := strings.ToLower(name); strings.Contains(l, "ratelimit") || strings.Contains(l, "rate-limit") || l == "retry-after" {
			p.rateHeaders[name] = true
		}
	}
	p.mu.Unlock()
	return answer{resp.StatusCode, resp.Header, b}
}

// create POSTs a document and remembers the id for the cleanup.
func (p *probe) create(t *testing.T, doc map[string]any) answer {
	t.Helper()
	a := p.raw(t, http.MethodPost, "/connections", doc)
	if id, _ := a.doc()["_id"].(string); id != "" {
		p.mu.Lock()
		p.created = append(p.created, id)
		p.mu.Unlock()
	}
	return a
}

func (p *probe) get(t *testing.T, id string) map[string]any {
	t.Helper()
	a := p.raw(t, http.MethodGet, "/connections/"+id, nil)
	if a.status != http.StatusOK {
		t.Fatalf("GET /connections/%s: %d %s", id, a.status, excerpt(a.body))
	}
	return a.doc()
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

func contractName(what string) string { return contractNamePrefix + what + "-" + randomHex(4) }

// unreachableDoc is a connection integrator.io cannot log in to: nothing listens on port 1.
func unreachableDoc(name string) map[string]any {
	return map[string]any{
		"type": "rdbms", "name": name,
		"rdbms": map[string]any{
			"type": "postgresql", "host": "127.0.0.1", "port": 1, "database": "tf_acc", "user": "tf_acc",
			"password": "tf-acc-" + randomHex(8),
		},
	}
}

func rdbmsOf(doc map[string]any) map[string]any {
	m, _ := doc["rdbms"].(map[string]any)
	return m
}

func excerpt(b []byte) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > 160 {
		s = s[:160] + "…"
	}
	if s == "" {
		return "(empty body)"
	}
	return s
}

// envelopeShape describes an error body: the envelope with its first code, or an excerpt.
func envelopeShape(a answer) string {
	doc := a.doc()
	errs, ok := doc["errors"].([]any)
	if !ok || len(errs) == 0 {
		return "body " + excerpt(a.body)
	}
	switch e := errs[0].(type) {
	case map[string]any:
		shape := fmt.Sprintf("envelope, code %s", jsonText(e["code"]))
		if f, ok := e["field"]; ok {
			shape += ", field " + jsonText(f)
		}
		return shape
	case string:
		return "envelope of plain strings"
	default:
		return "envelope, entries " + jsonText(e)
	}
}

func jsonText(v any) string {
	if v == nil {
		return "absent"
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// secretReading tells how a secret that was sent came back.
func secretReading(m map[string]any, key, sent string) string {
	v, ok := m[key]
	switch {
	case !ok || v == nil:
		return "omitted"
	case v == client.Masked:
		return `masked "******"`
	case v == sent:
		return "returned as sent"
	default:
		return "other: " + jsonText(v)[:min(40, len(jsonText(v)))]
	}
}

func caseTokenInfo(t *testing.T, p *probe) {
	a := p.raw(t, http.MethodGet, "/tokenInfo", nil)
	if a.status != http.StatusOK {
		t.Fatalf("GET /tokenInfo: %d %s", a.status, excerpt(a.body))
	}
	scope, ok := a.doc()["scope"]
	switch s := scope.(type) {
	case string:
		p.record("tokeninfo.scope", "a string, %s", jsonText(s))
	case nil:
		if ok {
			p.record("tokeninfo.scope", "null")
		} else {
			p.record("tokeninfo.scope", "absent")
		}
	default:
		kind := "an object"
		if _, isList := s.([]any); isList {
			kind = "an array"
		}
		p.record("tokeninfo.scope", "not a string: %s %s", kind, excerpt([]byte(jsonText(s))))
	}
	info, err := p.c.TokenInfo(t.Context())
	if err != nil {
		t.Fatalf("the client cannot read tokenInfo: %v", err)
	}
	if info.UserID == "" {
		t.Fatal("tokenInfo names no _userId")
	}
	p.userID = info.UserID
}

func caseWrongToken(t *testing.T, p *probe) {
	a := p.raw(t, http.MethodGet, "/connections", nil, "tf-acc-not-a-token-"+randomHex(8))
	p.record("auth.401", "%d, %s", a.status, envelopeShape(a))
	if a.status != http.StatusUnauthorized {
		t.Fatalf("a wrong token got %d, want 401", a.status)
	}
	c, err := client.New(client.WithBaseURL(p.tg.baseURL), client.WithToken("tf-acc-not-a-token"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Connections.List(t.Context()); !errors.Is(err, client.ErrUnauthorized) {
		t.Fatalf("the client's error for a wrong token is %v, want ErrUnauthorized", err)
	}
}

func caseNotFound(t *testing.T, p *probe) {
	id := randomHex(12)
	a := p.raw(t, http.MethodGet, "/connections/"+id, nil)
	p.record("notfound", "%d, %s", a.status, envelopeShape(a))
	if _, err := p.c.Connections.Get(t.Context(), id); !errors.Is(err, client.ErrNotFound) {
		t.Fatalf("GET of an id that does not exist: the client's error is %v, want ErrNotFound", err)
	}
}

func caseList(t *testing.T, p *probe) {
	a := p.raw(t, http.MethodGet, "/connections", nil)
	switch a.status {
	case http.StatusNoContent:
		p.record("list.empty", "204, %s", excerpt(a.body))
	case http.StatusOK:
		items, ok := a.json().([]any)
		switch {
		case !ok:
			t.Fatalf("GET /connections: 200 with a body that is not an array: %s", excerpt(a.body))
		case len(items) == 0:
			p.record("list.empty", "200 with %s", excerpt(a.body))
		default:
			p.record("list.empty", "not observed: the account holds connections (%d on the first page)", len(items))
		}
	default:
		t.Fatalf("GET /connections: %d %s", a.status, excerpt(a.body))
	}
	if _, err := p.c.Connections.List(t.Context()); err != nil {
		t.Fatalf("the client cannot list connections: %v", err)
	}
}

func caseAgents(t *testing.T, p *probe) {
	a := p.raw(t, http.MethodGet, "/agents", nil)
	items, _ := a.json().([]any)
	switch a.status {
	case http.StatusOK:
		p.record("agents.list", "200, %d agent(s) on the first page", len(items))
	case http.StatusNoContent:
		p.record("agents.list", "204 (no agents)")
	default:
		p.record("agents.list", "%d, %s", a.status, envelopeShape(a))
	}
	var fields []string
	for _, it := range items {
		m, _ := it.(map[string]any)
		_, off := m["offline"]
		_, on := m["online"]
		switch {
		case off && on:
			fields = append(fields, "both `offline` and `online`")
		case off:
			fields = append(fields, "`offline`")
		case on:
			fields = append(fields, "`online`")
		default:
			fields = append(fields, "neither")
		}
	}
	if len(fields) == 0 {
		p.record("agents.status", "not observed: no agents")
	} else {
		p.record("agents.status", "%s", strings.Join(uniq(fields), "; "))
	}
	if p.tg.agent == "" {
		return
	}
	agents, err := p.c.Agents.List(t.Context())
	if err != nil {
		t.Fatalf("the client cannot list agents: %v", err)
	}
	for _, ag := range agents {
		if ag.Name == p.tg.agent {
			if ag.Offline {
				t.Fatalf("agent %q is offline: the live suite needs it online", ag.Name)
			}
			got, err := p.c.Agents.Get(t.Context(), ag.ID)
			if err != nil || got.Name != ag.Name {
				t.Fatalf("GET /agents/%s: %v, %+v", ag.ID, err, got)
			}
			return
		}
	}
	t.Fatalf("no agent named %q among the %d the account lists", p.tg.agent, len(agents))
}

func uniq(s []string) []string {
	sort.Strings(s)
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

func caseValidation(t *testing.T, p *probe) {
	doc := unreachableDoc(contractName("invalid"))
	delete(rdbmsOf(doc), "host")
	a := p.create(t, doc)
	p.record("validation.status", "%d, %s", a.status, envelopeShape(a))
	if a.status/100 == 2 {
		t.Fatalf("a connection without rdbms.host was accepted (%d)", a.status)
	}
	field := "absent"
	if errs, _ := a.doc()["errors"].([]any); len(errs) > 0 {
		if e, _ := errs[0].(map[string]any); e != nil && e["field"] != nil {
			field = "present: " + jsonText(e["field"])
		}
	}
	p.record("validation.field", "%s", field)
	_, err := p.c.Connections.Create(t.Context(), &client.Connection{Type: "rdbms", Name: contractName("invalid"),
		RDBMS: &client.RDBMS{Type: "postgresql", Database: "d", User: "u", Password: "p"}})
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode/100 != 4 {
		t.Fatalf("the client's error for an invalid connection is %v, want an *APIError with a 4xx status", err)
	}
}

// testMaterial is a self-signed CA-style certificate and its key, made for the suite.
func testMaterial(t *testing.T) (certPEM, keyPEM string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: "tf-acc-contract"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}))
}

func caseCreateReadBack(t *testing.T, p *probe) {
	cert, key := testMaterial(t)
	name := contractName("fields")
	password, passphrase := "tf-acc-"+randomHex(8), "tf-acc-"+randomHex(8)
	doc := unreachableDoc(name)
	db := rdbmsOf(doc)
	db["password"] = password
	db["ssl"] = map[string]any{"ca": cert, "cert": cert, "key": key, "passphrase": passphrase}
	db["disableStrictSSL"] = true
	db["useSSL"] = true
	db["options"] = []any{map[string]any{"name": "statement_timeout", "value": "30000"}}
	db["concurrencyLevel"] = 3
	doc["externalId"] = name
	doc["tfAccProbe"] = "kept?"
	a := p.create(t, doc)
	if a.status/100 != 2 {
		p.record("unknown.post", "rejected: %d, %s", a.status, envelopeShape(a))
		delete(doc, "tfAccProbe")
		a = p.create(t, doc)
	}
	p.record("create.status", "%d", a.status)
	if a.status/100 != 2 {
		t.Fatalf("POST /connections: %d %s", a.status, excerpt(a.body))
	}
	created := a.doc()
	id, _ := created["_id"].(string)
	if !regexp.MustCompile(`^[0-9a-f]{24}$`).MatchString(id) {
		t.Fatalf("the created document's _id is %q, not 24 hex digits", id)
	}
	p.record("mask.post", "password %s, ssl.key %s", secretReading(rdbmsOf(created), "password", password),
		secretReading(sslOf(created), "key", key))
	got := p.get(t, id)
	offline, hasOffline := got["offline"]
	if hasOffline {
		p.record("create.offline", "%s", jsonText(offline))
	} else {
		p.record("create.offline", "absent")
	}
	switch by, present := got["lastModifiedBy"]; {
	case !present:
		p.record("lastmodifiedby", "absent")
	case by == p.userID && p.userID != "":
		p.record("lastmodifiedby", "present: the token's user (tokenInfo _userId)")
	default:
		p.record("lastmodifiedby", "present: %s", jsonText(by))
	}
	gdb, ssl := rdbmsOf(got), sslOf(got)
	p.record("mask.password", "%s", secretReading(gdb, "password", password))
	p.record("mask.key", "%s", secretReading(ssl, "key", key))
	p.record("mask.passphrase", "%s", secretReading(ssl, "passphrase", passphrase))
	p.record("mask.ca", "%s", secretReading(ssl, "ca", cert))
	p.record("mask.cert", "%s", secretReading(ssl, "cert", cert))
	if v, ok := got["sandbox"]; ok {
		p.record("sandbox", "present: %s", jsonText(v))
	} else {
		p.record("sandbox", "absent")
	}
	switch v, ok := gdb["useSSL"]; {
	case !ok:
		p.record("usessl", "dropped")
	default:
		p.record("usessl", "kept: %s", jsonText(v))
	}
	switch gdb["port"].(type) {
	case float64:
		p.record("port.type", "a number")
	case string:
		p.record("port.type", "a string")
	default:
		p.record("port.type", "%s", jsonText(gdb["port"]))
	}
	if _, asked := doc["tfAccProbe"]; asked {
		if got["tfAccProbe"] == "kept?" {
			p.record("unknown.post", "accepted and kept by GET")
		} else {
			p.record("unknown.post", "accepted, dropped (GET: %s)", jsonText(got["tfAccProbe"]))
		}
	}
	if got["externalId"] == name {
		p.record("externalid.post", "kept by GET")
	} else {
		p.record("externalid.post", "dropped (GET: %s)", jsonText(got["externalId"]))
	}
	all, err := p.c.Connections.List(t.Context())
	if err != nil {
		t.Fatalf("listing connections: %v", err)
	}
	p.record("externalid.list", "not observed: the listing lacks the connection")
	for _, c := range all {
		switch {
		case c.ID != id:
		case c.ExternalID() == name:
			p.record("externalid.list", "shown as sent")
		case c.ExternalID() == "":
			p.record("externalid.list", "absent")
		default:
			p.record("externalid.list", "changed: %q", c.ExternalID())
		}
	}
	for field, want := range map[string]any{"name": name, "type": "rdbms"} {
		if got[field] != want {
			t.Errorf("GET: %s = %s, want %s", field, jsonText(got[field]), jsonText(want))
		}
	}
	for field, want := range map[string]string{"type": "postgresql", "host": "127.0.0.1", "database": "tf_acc", "user": "tf_acc",
		"disableStrictSSL": "true", "concurrencyLevel": "3", "port": "1"} {
		if fmt.Sprint(gdb[field]) != want {
			t.Errorf("GET: rdbms.%s = %s, want %s", field, jsonText(gdb[field]), want)
		}
	}
	if opts := jsonText(gdb["options"]); opts != `[{"name":"statement_timeout","value":"30000"}]` {
		t.Errorf("GET: rdbms.options = %s", opts)
	}
	if gdb["password"] == password || ssl["key"] == key || ssl["passphrase"] == passphrase {
		t.Error("GET returns a password, key or passphrase in clear")
	}
	conn, err := p.c.Connections.Get(t.Context(), id)
	if err != nil || conn.Name != name || int(conn.RDBMS.Port) != 1 || conn.CreatedAt == nil {
		t.Fatalf("the client reads the created connection as %+v, %v (want its name, port 1 and createdAt)", conn, err)
	}
}

func sslOf(doc map[string]any) map[string]any {
	m, _ := rdbmsOf(doc)["ssl"].(map[string]any)
	return m
}

func sslReading(doc map[string]any) string {
	v, ok := rdbmsOf(doc)["ssl"]
	switch {
	case !ok:
		return "dropped"
	case jsonText(v) == "{}":
		return "kept as {}"
	default:
		return "returned as " + excerpt([]byte(jsonText(v)))
	}
}

func caseEmptySSL(t *testing.T, p *probe) {
	doc := unreachableDoc(contractName("empty-ssl"))
	rdbmsOf(doc)["ssl"] = map[string]any{}
	a := p.create(t, doc)
	if a.status/100 != 2 {
		p.record("ssl.empty.post", "rejected: %d, %s", a.status, envelopeShape(a))
		return
	}
	id, _ := a.doc()["_id"].(string)
	p.record("ssl.empty.post", "%s", sslReading(p.get(t, id)))
	rdbmsOf(doc)["ssl"] = map[string]any{}
	if a := p.raw(t, http.MethodPut, "/connections/"+id, doc); a.status/100 != 2 {
		p.record("ssl.empty.put", "rejected: %d, %s", a.status, envelopeShape(a))
		return
	}
	p.record("ssl.empty.put", "%s", sslReading(p.get(t, id)))
}

func casePut(t *testing.T, p *probe) {
	name := contractName("put")
	doc := unreachableDoc(name)
	doc["externalId"] = name
	a := p.create(t, doc)
	if a.status/100 != 2 {
		t.Fatalf("POST /connections: %d %s", a.status, excerpt(a.body))
	}
	id, _ := a.doc()["_id"].(string)
	if p.get(t, id)["externalId"] != name {
		p.record("unknown.put", "not observed: externalId is not kept on POST")
	}
	delete(doc, "externalId")
	doc["name"] = name + "-renamed"
	if a := p.raw(t, http.MethodPut, "/connections/"+id, doc); a.status != http.StatusOK {
		t.Fatalf("PUT /connections/%s: %d %s", id, a.status, excerpt(a.body))
	}
	got := p.get(t, id)
	if got["name"] != name+"-renamed" {
		t.Fatalf("after PUT the name is %s", jsonText(got["name"]))
	}
	if by, ok := got["lastModifiedBy"]; ok {
		echo := map[string]any{"type": doc["type"], "name": doc["name"], "rdbms": doc["rdbms"], "lastModifiedBy": by}
		if a := p.raw(t, http.MethodPut, "/connections/"+id, echo); a.status/100 == 2 {
			p.record("serverset.put", "accepted: %d", a.status)
		} else {
			p.record("serverset.put", "rejected: %d, %s", a.status, envelopeShape(a))
		}
	} else {
		p.record("serverset.put", "not observed: no lastModifiedBy to send back")
	}
	p.mu.Lock()
	_, done := p.observed["unknown.put"]
	p.mu.Unlock()
	if !done {
		if _, kept := got["externalId"]; kept {
			p.record("unknown.put", "kept (externalId survived a PUT without it)")
		} else {
			p.record("unknown.put", "erased (externalId)")
		}
	}
}

func casePingFailure(t *testing.T, p *probe) {
	doc := unreachableDoc(contractName("ping-fail"))
	a := p.raw(t, http.MethodPost, "/connections/ping", doc)
	p.record("ping.unsaved.status", "%s", pingOutcome(a))
	if err := p.c.Connections.PingUnsaved(t.Context(), &client.Connection{Type: "rdbms", Name: "x",
		RDBMS: &client.RDBMS{Type: "postgresql", Host: "127.0.0.1", Port: 1, Database: "d", User: "u", Password: "p"}}); err == nil {
		t.Error("the client reports a passed test for an unsaved connection nothing listens for")
	}
	a = p.create(t, doc)
	if a.status/100 != 2 {
		t.Fatalf("POST /connections: %d %s", a.status, excerpt(a.body))
	}
	id, _ := a.doc()["_id"].(string)
	a = p.raw(t, http.MethodPost, "/connections/"+id+"/ping", nil)
	p.record("ping.fail.status", "%s", pingOutcome(a))
	p.record("ping.fail.entry", "%s", pingEntryShape(a))
	if err := p.c.Connections.Ping(t.Context(), id); err == nil {
		t.Fatal("the client reports a passed test for a connection nothing listens for")
	}
	p.record("ping.offline", "%s", jsonText(p.get(t, id)["offline"]))
	// The thorough test of the same connection, which the suite made: it reads the database, and
	// can only mark this connection offline, as the ping already did.
	a = p.raw(t, http.MethodPost, "/connections/"+id+"/test", nil)
	if a.status == http.StatusNotFound {
		p.record("test.endpoint", "404, %s", envelopeShape(a))
	} else {
		p.record("test.endpoint", "%s; %s", pingOutcome(a), pingEntryShape(a))
	}
}

// pingOutcome is a test's status and whether its body holds errors.
func pingOutcome(a answer) string {
	if errs, ok := a.doc()["errors"].([]any); ok && len(errs) > 0 {
		return fmt.Sprintf("%d with errors", a.status)
	}
	return fmt.Sprintf("%d without errors: %s", a.status, excerpt(a.body))
}

func pingEntryShape(a answer) string {
	errs, _ := a.doc()["errors"].([]any)
	if len(errs) == 0 {
		return "no errors array"
	}
	switch e := errs[0].(type) {
	case string:
		return "a plain string"
	case map[string]any:
		kind := "absent"
		switch e["code"].(type) {
		case string:
			kind = "a string"
		case float64:
			kind = "a number"
		}
		return fmt.Sprintf("an object, code %s %s", kind, jsonText(e["code"]))
	default:
		return "other: " + jsonText(e)
	}
}

func casePingWorks(t *testing.T, p *probe) {
	pg := p.tg.pg
	if pg == nil {
		p.record("ping.ok", "not observed: no database (INTEGRATORIO_ACC_PG_*)")
		p.record("ping.ok.offline", "not observed: no database (INTEGRATORIO_ACC_PG_*)")
		p.record("save.offline", "not observed: no database (INTEGRATORIO_ACC_PG_*)")
		t.Skip("INTEGRATORIO_ACC_PG_HOST is not set: no database to test a working connection with")
	}
	db := map[string]any{"type": "postgresql", "host": pg.Host, "port": pg.Port, "database": pg.Database,
		"user": pg.User, "password": pg.Password}
	if pg.CA != "" {
		db["ssl"] = map[string]any{"ca": pg.CA}
	}
	name := contractName("ping-ok")
	a := p.create(t, map[string]any{"type": "rdbms", "name": name, "rdbms": db})
	if a.status/100 != 2 {
		t.Fatalf("POST /connections: %d %s", a.status, excerpt(a.body))
	}
	id, _ := a.doc()["_id"].(string)
	a = p.raw(t, http.MethodPost, "/connections/"+id+"/ping", nil)
	p.record("ping.ok", "%d, %s", a.status, excerpt(a.body))
	if err := p.c.Connections.Ping(t.Context(), id); err != nil {
		t.Fatalf("the test of a connection to the given database failed: %v", err)
	}
	p.record("ping.ok.offline", "%s", jsonText(p.get(t, id)["offline"]))

	// Someone saves a wrong password and tests the connection: it goes offline. Then a save with
	// the working password: does the save itself clear the flag?
	doc := map[string]any{"type": "rdbms", "name": name, "rdbms": db}
	db["password"] = "tf-acc-wrong-" + randomHex(4)
	if a := p.raw(t, http.MethodPut, "/connections/"+id, doc); a.status != http.StatusOK {
		t.Fatalf("PUT /connections/%s: %d %s", id, a.status, excerpt(a.body))
	}
	if err := p.c.Connections.Ping(t.Context(), id); err == nil {
		t.Fatal("the test of a connection with a wrong password passed")
	}
	if off := p.get(t, id)["offline"]; off != true {
		p.record("save.offline", "not observed: a failed test left offline %s", jsonText(off))
		return
	}
	db["password"] = pg.Password
	if a := p.raw(t, http.MethodPut, "/connections/"+id, doc); a.status != http.StatusOK {
		t.Fatalf("PUT /connections/%s: %d %s", id, a.status, excerpt(a.body))
	}
	switch v := p.get(t, id)["offline"]; v {
	case true:
		p.record("save.offline", "untouched: still true until the next test")
	case false:
		p.record("save.offline", "cleared to false by the save")
	default:
		p.record("save.offline", "%s", jsonText(v))
	}
}

func casePaging(t *testing.T, p *probe) {
	var ids []string
	for range 2 {
		a := p.create(t, unreachableDoc(contractName("page")))
		if a.status/100 != 2 {
			t.Fatalf("POST /connections: %d %s", a.status, excerpt(a.body))
		}
		id, _ := a.doc()["_id"].(string)
		ids = append(ids, id)
	}
	a := p.raw(t, http.MethodGet, "/connections?limit=1", nil)
	items, _ := a.json().([]any)
	link := a.header.Get("Link")
	if a.status != http.StatusOK {
		p.record("paging.limit", "%d, %s", a.status, envelopeShape(a))
	} else if link != "" {
		p.record("paging.limit", "honoured: %d document, a Link header", len(items))
	} else {
		p.record("paging.limit", "%d documents, no Link header", len(items))
	}
	big := p.raw(t, http.MethodGet, "/connections?limit=1000", nil)
	if big.status/100 == 2 {
		p.record("paging.limit1000", "accepted: %d", big.status)
	} else {
		p.record("paging.limit1000", "refused: %d, %s", big.status, envelopeShape(big))
	}
	if m := regexp.MustCompile(`<([^>]+)>\s*;[^,]*rel="?next"?`).FindStringSubmatch(link); m != nil {
		next, err := url.Parse(m[1])
		if err == nil {
			keys := make([]string, 0, len(next.Query()))
			for k := range next.Query() {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			p.record("paging.next", "query keys %s", strings.Join(keys, ", "))
		}
		base, _ := url.Parse(p.tg.baseURL)
		switch {
		case err != nil:
			p.record("paging.host", "unparsable: %s", excerpt([]byte(m[1])))
		case next.Host == "":
			p.record("paging.host", "a relative URL")
		case next.Host == base.Host:
			p.record("paging.host", "the host asked")
		default:
			p.record("paging.host", "another host: %s", next.Host)
		}
	} else {
		p.record("paging.host", "not observed: no next link")
		p.record("paging.next", "not observed: no next link")
	}
	all, err := p.c.Connections.List(t.Context())
	if err != nil {
		t.Fatalf("the client cannot list connections: %v", err)
	}
	seen := map[string]bool{}
	for _, c := range all {
		seen[c.ID] = true
	}
	for _, id := range ids {
		if !seen[id] {
			t.Errorf("the client's listing misses connection %s", id)
		}
	}
}

func caseDelete(t *testing.T, p *probe) {
	a := p.create(t, unreachableDoc(contractName("delete")))
	if a.status/100 != 2 {
		t.Fatalf("POST /connections: %d %s", a.status, excerpt(a.body))
	}
	id, _ := a.doc()["_id"].(string)
	a = p.raw(t, http.MethodDelete, "/connections/"+id, nil)
	p.record("delete.status", "%d", a.status)
	if a.status/100 != 2 {
		t.Fatalf("DELETE /connections/%s: %d %s", id, a.status, excerpt(a.body))
	}
	if _, err := p.c.Connections.Get(t.Context(), id); !errors.Is(err, client.ErrNotFound) {
		t.Fatalf("GET of a deleted connection: %v, want ErrNotFound", err)
	}
	a = p.raw(t, http.MethodDelete, "/connections/"+id, nil)
	p.record("delete.again", "%d, %s", a.status, envelopeShape(a))
}

func caseRateLimitHeaders(_ *testing.T, p *probe) {
	p.mu.Lock()
	names := make([]string, 0, len(p.rateHeaders))
	for n := range p.rateHeaders {
		names = append(names, n)
	}
	p.mu.Unlock()
	sort.Strings(names)
	if len(names) == 0 {
		p.record("ratelimit.headers", "none seen")
	} else {
		p.record("ratelimit.headers", "%s", strings.Join(names, ", "))
	}
	p.mu.Lock()
	waits, waited := p.waits429, p.waited429
	p.mu.Unlock()
	if waits == 0 {
		p.record("ratelimit.probes", "none")
	} else {
		p.record("ratelimit.probes", "%d, waited out (%s in all)", waits, waited)
	}
}

// table renders the readings of one or more probes, one row per reading.
func table(titles []string, probes []*probe) string {
	var b strings.Builder
	b.WriteString("| # | reading | the reference says |")
	for _, title := range titles {
		b.WriteString(" " + title + " |")
	}
	b.WriteString("\n|---|---|---|" + strings.Repeat("---|", len(titles)) + "\n")
	for i, r := range readings {
		fmt.Fprintf(&b, "| %d | %s | %s |", i+1, r.question, r.reference)
		for _, p := range probes {
			v, ok := p.observed[r.key]
			if !ok {
				v = "not observed (its case failed or was skipped)"
			}
			b.WriteString(" " + strings.ReplaceAll(v, "|", `\|`) + " |")
		}
		b.WriteString("\n")
	}
	return b.String()
}

// readingsFile is what a probe observed, in the form integratorio-emulator -readings plays.
func readingsFile(p *probe, at time.Time) emulator.ReadingsFile {
	f := emulator.ReadingsFile{Target: p.tg.baseURL, ObservedAt: at.UTC().Format(time.RFC3339), Readings: map[string]string{}}
	for _, r := range readings {
		v, ok := p.observed[r.key]
		if !ok {
			v = "not observed (its case failed or was skipped)"
		}
		f.Readings[r.key] = v
	}
	return f
}

// writeReadings writes the JSON form of the table beside its Markdown path (x.md: x.json).
func writeReadings(mdPath string, f emulator.ReadingsFile) error {
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(strings.TrimSuffix(mdPath, ".md")+".json", append(data, '\n'), 0o644) //nolint:gosec // G306: no secrets
}

// TestAccContract runs the suite against the account INTEGRATORIO_* name and writes its readings
// to INTEGRATORIO_ACC_CONTRACT_OUT when set (`make testacc-live`: bin/live-contract.md), and
// beside it as JSON (bin/live-contract.json), which integratorio-emulator -readings plays.
func TestAccContract(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1 to run it against the account INTEGRATORIO_API_TOKEN names " +
			"(`make testacc` gives it an emulator, `make testacc-live` a real account)")
	}
	tg := contractTarget{token: os.Getenv("INTEGRATORIO_API_TOKEN"), baseURL: os.Getenv("INTEGRATORIO_BASE_URL"),
		agent: os.Getenv("INTEGRATORIO_ACC_AGENT")}
	if tg.token == "" {
		t.Fatal("INTEGRATORIO_API_TOKEN is not set: the contract suite runs against the account it names; " +
			"run `make testacc` (an emulator) or `make testacc-live` (a real account)")
	}
	if tg.baseURL == "" {
		u, err := client.BaseURLForRegion(os.Getenv("INTEGRATORIO_REGION"))
		if err != nil {
			t.Fatalf("INTEGRATORIO_REGION: %v", err)
		}
		tg.baseURL = u
	}
	tg.pg = pgFromEnv(t)
	p := newProbe(t, tg)
	start := time.Now()
	runContract(t, p)
	title := fmt.Sprintf("observed at %s", tg.baseURL)
	out := fmt.Sprintf("# integrator.io API contract: readings\n\nTarget %s (user %s), %s, %d cases in %s.\n\n%s",
		tg.baseURL, p.userID, time.Now().UTC().Format(time.RFC3339), len(contractCases), time.Since(start).Round(time.Second),
		table([]string{title}, []*probe{p}))
	t.Log("\n" + out)
	if path := os.Getenv("INTEGRATORIO_ACC_CONTRACT_OUT"); path != "" {
		if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
			t.Fatalf("writing the contract table: %v", err)
		}
		if err := writeReadings(path, readingsFile(p, start)); err != nil {
			t.Fatalf("writing the readings as JSON: %v", err)
		}
	}
}

// pgFromEnv reads the database the live tests use, or nil when none is named.
func pgFromEnv(t *testing.T) *contractPG {
	host := os.Getenv("INTEGRATORIO_ACC_PG_HOST")
	if host == "" {
		return nil
	}
	port, err := strconv.Atoi(os.Getenv("INTEGRATORIO_ACC_PG_PORT"))
	if err != nil {
		t.Fatalf("INTEGRATORIO_ACC_PG_PORT=%q is not a port number", os.Getenv("INTEGRATORIO_ACC_PG_PORT"))
	}
	pg := &contractPG{Host: host, Port: port, Database: os.Getenv("INTEGRATORIO_ACC_PG_DATABASE"),
		User: os.Getenv("INTEGRATORIO_ACC_PG_USER"), Password: os.Getenv("INTEGRATORIO_ACC_PG_PASSWORD")}
	if ca := strings.TrimSpace(os.Getenv("INTEGRATORIO_ACC_PG_CA")); ca != "" && !strings.HasPrefix(ca, "-----BEGIN") {
		b, err := os.ReadFile(ca)
		if err != nil {
			t.Fatalf("INTEGRATORIO_ACC_PG_CA names neither PEM text nor a readable file: %v", err)
		}
		pg.CA = string(b)
	} else {
		pg.CA = ca
	}
	return pg
}

// emulatorMode is an emulator configuration the suite runs under, to show that each reading is
// observed rather than assumed: the table changes with the mode.
type emulatorMode struct {
	title  string
	cfg    emulator.Config
	scoped bool                 // the suite's token is a custom-scoped one (Config.ScopedTokens)
	faults emulator.FaultConfig // injected from the start
}

var emulatorModes = []emulatorMode{
	{title: "emulator defaults"},
	{title: "emulator, the other readings", cfg: emulator.Config{
		ReturnCertificates: true, DropEmptySSL: true, SaveKeepsOffline: true, CreateOffline: true,
		PingFailureStatus: http.StatusUnprocessableEntity, PingErrorsAsStrings: true,
		AgentOnlineField: true, LinkHost: "api-2.tf-acc.example", RefuseServerSetFields: true,
		DropUseSSL: true, NoTestEndpoint: true, LegacySandbox: true, DropExternalID: true,
	}},
	{title: "emulator, a scoped token, certificates omitted, cursor paging, limit at most 100, externalId not listed", scoped: true,
		cfg: emulator.Config{OmitCertificates: true, CursorPaging: true, MaxLimit: 100, ListOmitsExternalID: true},
		// The first raw DELETE is rate limited, as on an account shared with other automation.
		faults: emulator.FaultConfig{Rules: []emulator.FaultRule{{Method: http.MethodDelete, Kind: emulator.FaultRateLimit, RetryAfter: 1, Count: 1}}}},
}

// The emulator's pinger in these runs: only the suite's "working database" logs in.
var fakePG = contractPG{Host: "db.tf-acc.example", Port: 5432, Database: "orders", User: "svc", Password: "tf-acc-good-password"}

func fakePinger(_ context.Context, tg emulator.PingTarget) error {
	if tg.Host == fakePG.Host && tg.Port == fakePG.Port && tg.Password == fakePG.Password {
		return nil
	}
	return fmt.Errorf("dial tcp %s:%d: connect: connection refused", tg.Host, tg.Port)
}

// TestContract_emulatorModes runs the suite against in-process emulators, one per mode, and logs
// one table with a column per mode. Every case must pass in every mode.
func TestContract_emulatorModes(t *testing.T) {
	t.Parallel()
	probes := make([]*probe, len(emulatorModes))
	titles := make([]string, len(emulatorModes))
	t.Run("modes", func(t *testing.T) {
		for i, m := range emulatorModes {
			titles[i] = m.title
			t.Run(m.title, func(t *testing.T) {
				t.Parallel()
				token := "tf-acc-token-" + randomHex(8)
				cfg := m.cfg
				agent := "tf-acc-agent"
				if m.scoped {
					// Scoped tokens list no agents (403): the agent case only reads that.
					cfg.ScopedTokens = map[string]string{token: `{"connections":"full"}`}
					agent = ""
				} else {
					cfg.Tokens = append(cfg.Tokens, token)
				}
				cfg.Pinger = fakePinger
				emu := emulator.New(cfg)
				if err := emu.SetFaults(m.faults); err != nil {
					t.Fatal(err)
				}
				if _, err := emu.AddAgent(emulator.AgentSpec{Name: "tf-acc-agent", Online: true, Version: "3.0.5"}); err != nil {
					t.Fatal(err)
				}
				srv := httptest.NewServer(emu)
				t.Cleanup(srv.Close)
				pg := fakePG
				probes[i] = newProbe(t, contractTarget{baseURL: srv.URL + "/v1", token: token, pg: &pg, agent: agent})
				runContract(t, probes[i])
			})
		}
	})
	for _, p := range probes {
		if p == nil {
			t.Fatal("a mode did not run")
		}
	}
	t.Log("\n" + table(titles, probes))
	// The suite observes: where the modes play different readings, the table must tell them apart.
	for key, want := range map[string][3]string{
		"tokeninfo.scope":  {`a string, "*"`, `a string, "*"`, `not a string: an object {"connections":"full"}`},
		"agents.list":      {"200, 1 agent(s) on the first page", "200, 1 agent(s) on the first page", `403, envelope, code "forbidden"`},
		"agents.status":    {"`offline`", "`online`", "not observed: no agents"},
		"create.offline":   {"false", "true", "false"},
		"mask.ca":          {`masked "******"`, "returned as sent", "omitted"},
		"mask.cert":        {`masked "******"`, "returned as sent", "omitted"},
		"ssl.empty.post":   {"kept as {}", "dropped", "kept as {}"},
		"ping.fail.status": {"200 with errors", "422 with errors", "200 with errors"},
		"ping.fail.entry":  {`an object, code a string "connection_failed"`, "a plain string", `an object, code a string "connection_failed"`},
		"save.offline":     {"cleared to false by the save", "untouched: still true until the next test", "cleared to false by the save"},
		"paging.host":      {"the host asked", "another host: api-2.tf-acc.example", "the host asked"},
		"lastmodifiedby":   {"present: the token's user (tokenInfo _userId)", "present: the token's user (tokenInfo _userId)", "present: the token's user (tokenInfo _userId)"},
		"paging.limit1000": {"accepted: 200", "accepted: 200", `refused: 400, envelope, code "invalid_query_params", field "limit"`},
		"paging.next":      {"query keys limit, skip", "query keys limit, skip", "query keys after, limit"},
		"delete.status":    {"204", "204", "204"},
		"ratelimit.probes": {"none", "none", "1, waited out (1s in all)"},
		"test.endpoint":    {`200 with errors; an object, code a string "connection_failed"`, `404, envelope, code "not_found"`, `200 with errors; an object, code a string "connection_failed"`},
		"sandbox":          {"absent", "present: false", "absent"},
		"usessl":           {"kept: true", "dropped", "kept: true"},
		"externalid.post":  {"kept by GET", "dropped (GET: absent)", "kept by GET"},
		"externalid.list":  {"shown as sent", "absent", "absent"},
		"serverset.put":    {"accepted: 200", `rejected: 422, envelope, code "invalid_value", field "lastModifiedBy"`, "accepted: 200"},
	} {
		for i, p := range probes {
			if got := p.observed[key]; got != want[i] {
				t.Errorf("%s under %q: observed %q, want %q", key, titles[i], got, want[i])
			}
		}
	}
}

// newModeProbe runs the suite against an in-process emulator configured by cfg (its token, the
// fake pinger and an online agent added), and returns what it observed.
func newModeProbe(t *testing.T, cfg emulator.Config) *probe {
	t.Helper()
	token := "tf-acc-token-" + randomHex(8)
	cfg.Tokens = append(cfg.Tokens, token)
	cfg.Pinger = fakePinger
	emu := emulator.New(cfg)
	if _, err := emu.AddAgent(emulator.AgentSpec{Name: "tf-acc-agent", Online: true, Version: "3.0.5"}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	pg := fakePG
	p := newProbe(t, contractTarget{baseURL: srv.URL + "/v1", token: token, pg: &pg, agent: "tf-acc-agent"})
	runContract(t, p)
	return p
}

// An emulator started from a readings file reproduces the table the file was written from: the
// suite observes, against it, every reading as the file has it. The files come from emulators in
// two of their modes (an account's file would come from make testacc-live), written and read
// back as integratorio-emulator -readings does.
func TestContract_emulatorFromReadings(t *testing.T) {
	t.Parallel()
	for _, m := range emulatorModes {
		if m.scoped {
			continue // a scoped token's readings belong to the token, not to the account
		}
		t.Run(m.title, func(t *testing.T) {
			t.Parallel()
			var source *probe
			t.Run("source", func(t *testing.T) { source = newModeProbe(t, m.cfg) })
			path := filepath.Join(t.TempDir(), "account-contract.md")
			if err := writeReadings(path, readingsFile(source, time.Now())); err != nil {
				t.Fatal(err)
			}
			file, err := emulator.LoadReadings(strings.TrimSuffix(path, ".md") + ".json")
			if err != nil {
				t.Fatal(err)
			}
			var cfg emulator.Config
			if _, err := file.Play(&cfg); err != nil {
				t.Fatal(err)
			}
			var replay *probe
			t.Run("replay", func(t *testing.T) { replay = newModeProbe(t, cfg) })
			for _, r := range readings {
				if got, want := replay.observed[r.key], file.Readings[r.key]; got != want {
					t.Errorf("%s: the emulator started from the file shows %q, the file says %q", r.key, got, want)
				}
			}
			// The replay is not the defaults in disguise: a mode that differs is played.
			if m.title != "emulator defaults" && reflect.DeepEqual(cfg, emulator.Config{}) {
				t.Error("the readings of a non-default mode set no mode")
			}
		})
	}
}

// Every reading the emulator plays by a mode is a reading of the table.
func TestContract_playedReadingsAreInTheTable(t *testing.T) {
	t.Parallel()
	keys := map[string]bool{}
	for _, r := range readings {
		keys[r.key] = true
	}
	for _, k := range emulator.PlayedReadings() {
		if !keys[k] {
			t.Errorf("emulator mode for reading %q, which the contract suite does not record", k)
		}
	}
}
