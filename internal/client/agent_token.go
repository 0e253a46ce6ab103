package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// AccessToken returns the access token an on-premise agent installs with
// (GET /agents/{id}/display-token). The token is a secret: no error of this call holds any part
// of the answer's body, and nothing is logged but the method, path and status.
func (s *AgentsService) AccessToken(ctx context.Context, id string) (string, error) {
	if id == "" {
		return "", errors.New("integrator.io client: the agent id is empty")
	}
	cl := s.client.newCall(http.MethodGet, "/agents/"+url.PathEscape(id)+"/display-token", nil, safeToRepeat)
	resp, err := s.client.do(ctx, cl)
	if err != nil {
		return "", err
	}
	return decodeAccessToken(resp.body, resp.status)
}

// decodeAccessToken reads {"accessToken": "..."} without ever quoting the body.
func decodeAccessToken(body []byte, status int) (string, error) {
	var answer struct {
		AccessToken *string `json:"accessToken"`
	}
	b := bytes.TrimSpace(body)
	if len(b) == 0 || b[0] != '{' || json.Unmarshal(b, &answer) != nil {
		return "", fmt.Errorf("the server answered %d with something other than a JSON object holding the agent's "+
			"accessToken (its body is not shown: it may hold the token)", status)
	}
	if answer.AccessToken == nil || strings.TrimSpace(*answer.AccessToken) == "" {
		return "", fmt.Errorf("the server answered %d without an accessToken for the agent", status)
	}
	return *answer.AccessToken, nil
}
