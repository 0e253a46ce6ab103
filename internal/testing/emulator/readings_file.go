package emulator

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// ReadingsFile is the machine-readable form of the API contract suite's table (`make
// testacc-live` writes it beside bin/live-contract.md): for each reading the API reference leaves
// open, what an account was observed to do. Play sets the Config modes that do the same, so an
// emulator can behave like the account a configuration will meet.
type ReadingsFile struct {
	Target     string            `json:"target"`      // the base URL observed
	ObservedAt string            `json:"observed_at"` // RFC 3339
	Readings   map[string]string `json:"readings"`    // reading key -> what was observed
}

// notObserved starts the value of a reading that no case observed; Play leaves it to the default.
const notObserved = "not observed"

// LoadReadings reads a ReadingsFile.
func LoadReadings(path string) (ReadingsFile, error) {
	var f ReadingsFile
	data, err := os.ReadFile(path) //nolint:gosec // G304: a file the user names
	if err != nil {
		return f, err
	}
	if err := json.Unmarshal(data, &f); err != nil {
		return f, fmt.Errorf("%s is not a readings file: %w", path, err)
	}
	if len(f.Readings) == 0 {
		return f, fmt.Errorf("%s holds no readings", path)
	}
	return f, nil
}

// readingMode maps one reading to the Config that plays it: play sets cfg to play value and
// reports false when no mode does. Readings of one group are played by the same Config fields,
// so they must agree. A new reading the emulator can play is one entry here.
type readingMode struct {
	key, group string
	play       func(cfg *Config, value string) bool
}

// oneOf plays a reading whose values each need fixed Config settings (nil: the default).
func oneOf(values map[string]func(*Config)) func(*Config, string) bool {
	return func(cfg *Config, value string) bool {
		set, ok := values[value]
		if ok && set != nil {
			set(cfg)
		}
		return ok
	}
}

var (
	playCertificates = oneOf(map[string]func(*Config){
		`masked "******"`:  nil,
		"returned as sent": func(c *Config) { c.ReturnCertificates = true },
		"omitted":          func(c *Config) { c.OmitCertificates = true },
	})
	playEmptySSL = oneOf(map[string]func(*Config){
		"kept as {}": nil,
		"dropped":    func(c *Config) { c.DropEmptySSL = true },
	})
	pingStatus = regexp.MustCompile(`^([1-5][0-9][0-9]) with errors$`)
)

func playPingFailureStatus(cfg *Config, value string) bool {
	m := pingStatus.FindStringSubmatch(value)
	if m == nil {
		return false
	}
	cfg.PingFailureStatus, _ = strconv.Atoi(m[1])
	return true
}

var readingModes = []readingMode{
	{key: "agents.status", play: oneOf(map[string]func(*Config){
		"`offline`": nil,
		"`online`":  func(c *Config) { c.AgentOnlineField = true },
	})},
	{key: "create.offline", play: oneOf(map[string]func(*Config){
		"false": nil,
		"true":  func(c *Config) { c.CreateOffline = true },
	})},
	{key: "mask.ca", group: "certificates", play: playCertificates},
	{key: "mask.cert", group: "certificates", play: playCertificates},
	{key: "ssl.empty.post", group: "empty ssl", play: playEmptySSL},
	{key: "ssl.empty.put", group: "empty ssl", play: playEmptySSL},
	{key: "ping.fail.status", group: "ping failure status", play: playPingFailureStatus},
	{key: "ping.unsaved.status", group: "ping failure status", play: playPingFailureStatus},
	{key: "ping.fail.entry", play: oneOf(map[string]func(*Config){
		`an object, code a string "connection_failed"`: nil,
		"a plain string": func(c *Config) { c.PingErrorsAsStrings = true },
	})},
	{key: "save.offline", play: oneOf(map[string]func(*Config){
		"cleared to false by the save":              nil,
		"untouched: still true until the next test": func(c *Config) { c.SaveKeepsOffline = true },
	})},
	{key: "test.endpoint", play: func(c *Config, value string) bool {
		switch {
		case strings.HasPrefix(value, "404"):
			c.NoTestEndpoint = true
			return true
		case strings.Contains(value, " with errors"):
			return true
		}
		return false
	}},
	{key: "sandbox", play: oneOf(map[string]func(*Config){
		"absent":         nil,
		"present: false": func(c *Config) { c.LegacySandbox = true },
	})},
	{key: "usessl", play: func(c *Config, value string) bool {
		switch {
		case value == "dropped":
			c.DropUseSSL = true
			return true
		case strings.HasPrefix(value, "kept: "):
			return true
		}
		return false
	}},
	{key: "externalid.post", play: func(c *Config, value string) bool {
		switch {
		case value == "kept by GET":
			return true
		case strings.HasPrefix(value, "dropped"):
			c.DropExternalID = true
			return true
		}
		return false
	}},
	{key: "externalid.list", play: oneOf(map[string]func(*Config){
		"shown as sent": nil,
		"absent":        func(c *Config) { c.ListOmitsExternalID = true },
	})},
	{key: "serverset.put", play: func(c *Config, value string) bool {
		switch {
		case strings.HasPrefix(value, "accepted: "):
			return true
		case strings.HasPrefix(value, "rejected: "):
			c.RefuseServerSetFields = true
			return true
		}
		return false
	}},
	{key: "paging.limit1000", play: func(c *Config, value string) bool {
		switch {
		case strings.HasPrefix(value, "accepted: "):
			return true
		case strings.HasPrefix(value, "refused: "):
			// The largest page the account takes is unknown; any limit below the client's plays it.
			c.MaxLimit = 100
			return true
		}
		return false
	}},
	{key: "paging.next", play: func(c *Config, value string) bool {
		keys, ok := strings.CutPrefix(value, "query keys ")
		if !ok {
			return false
		}
		c.CursorPaging = slices.Contains(strings.Split(keys, ", "), "after")
		return true
	}},
	{key: "paging.host", play: func(c *Config, value string) bool {
		switch host, ok := strings.CutPrefix(value, "another host: "); {
		case value == "the host asked":
			return true
		case ok && host != "":
			c.LinkHost = host
			return true
		}
		return false
	}},
}

// Play sets cfg's modes to play every reading of f that a mode plays, and returns the keys of
// those it left as they were: readings the emulator plays one way only, or that depend on the
// account's contents (how many agents it has, say). It fails on a value no mode plays, and on
// readings of one group that disagree, since the emulator would then not behave like the account.
func (f ReadingsFile) Play(cfg *Config) (unplayed []string, err error) {
	groups := map[string]string{}
	var problems []string
	known := map[string]bool{}
	for _, m := range readingModes {
		known[m.key] = true
		value, ok := f.Readings[m.key]
		if !ok || strings.HasPrefix(value, notObserved) {
			continue
		}
		if m.group != "" {
			if prev, seen := groups[m.group]; seen && prev != value {
				problems = append(problems, fmt.Sprintf("%s is %q but the emulator plays the %s readings alike (another says %q)",
					m.key, value, m.group, prev))
				continue
			}
			groups[m.group] = value
		}
		if !m.play(cfg, value) {
			problems = append(problems, fmt.Sprintf("%s was observed as %q, which no emulator mode plays", m.key, value))
		}
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("the readings cannot be played: %s", strings.Join(problems, "; "))
	}
	for key := range f.Readings {
		if !known[key] {
			unplayed = append(unplayed, key)
		}
	}
	slices.Sort(unplayed)
	return unplayed, nil
}

// PlayedReadings lists the keys of the readings Play maps to a mode.
func PlayedReadings() []string {
	keys := make([]string, len(readingModes))
	for i, m := range readingModes {
		keys[i] = m.key
	}
	return keys
}
