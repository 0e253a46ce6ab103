package provider

import (
	"context"
	"fmt"
	"strings"
	"unicode"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
)

var _ validator.String = oneOfValidator{}

// OneOfValidator accepts one of allowed (in any case when fold is set) and refuses anything else
// with the allowed values and, for a near miss such as "onpremise", the value meant. what names
// the setting in the message ("mode", "region").
func OneOfValidator(summary, what string, allowed []string, fold bool) validator.String {
	return oneOfValidator{summary: summary, what: what, allowed: allowed, fold: fold}
}

type oneOfValidator struct {
	summary, what string
	allowed       []string
	fold          bool
}

func (v oneOfValidator) Description(context.Context) string {
	return "must be one of " + plainQuotedList(v.allowed)
}

func (v oneOfValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v oneOfValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if problem := oneOfProblem(v.what, req.ConfigValue.ValueString(), "", v.allowed, v.fold); problem != "" {
		resp.Diagnostics.AddAttributeError(req.Path, v.summary, problem)
	}
}

// oneOfProblem says why value is not one of allowed, or "" when it is. source, when given, says
// where the value came from (an environment variable, say).
func oneOfProblem(what, value, source string, allowed []string, fold bool) string {
	for _, a := range allowed {
		if value == a || (fold && strings.EqualFold(value, a)) {
			return ""
		}
	}
	from := ""
	if source != "" {
		from = " (from " + source + ")"
	}
	detail := fmt.Sprintf("The %s %q%s is not one this provider knows: use %s.", what, value, from, plainQuotedList(allowed))
	if meant := didYouMean(value, allowed); meant != "" {
		detail += fmt.Sprintf(" Did you mean %q?", meant)
	}
	return detail
}

// didYouMean returns the allowed value that value most likely misspells, or "" when none is
// close: the same letters and digits apart from case and punctuation ("On-Premise"), one that
// starts the other ("eu-west-1" for "eu"), or a few letters off ("clod").
func didYouMean(value string, allowed []string) string {
	v := lettersAndDigits(value)
	if v == "" {
		return ""
	}
	best, bestDistance := "", -1
	for _, a := range allowed {
		n := lettersAndDigits(a)
		d := editDistance(v, n)
		switch {
		case v == n:
			return a
		case strings.HasPrefix(v, n) && len(n) >= 2, strings.HasPrefix(n, v) && len(v) >= 3:
			d = 1
		case d > max(1, len(n)/3):
			continue
		}
		if bestDistance < 0 || d < bestDistance {
			best, bestDistance = a, d
		}
	}
	return best
}

func lettersAndDigits(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur := make([]int, len(rb)+1)
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(rb)]
}

// plainQuotedList is quotedList for plain-text messages: "cloud" or "on_premise".
func plainQuotedList(values []string) string {
	quoted := make([]string, len(values))
	for i, v := range values {
		quoted[i] = fmt.Sprintf("%q", v)
	}
	if len(quoted) < 2 {
		return strings.Join(quoted, "")
	}
	return strings.Join(quoted[:len(quoted)-1], ", ") + " or " + quoted[len(quoted)-1]
}
