package client

import (
	"context"
	"errors"
	"net/http"
	"net/url"
)

// AgentsService reads on-premise agent documents (/agents).
type AgentsService struct {
	client *Client
}

// List returns every agent, following the API's pages.
func (s *AgentsService) List(ctx context.Context) ([]Agent, error) {
	return listAll[Agent](ctx, s.client, "/agents", "agent")
}

// Get returns one agent. An unknown id gives an error matching ErrNotFound.
func (s *AgentsService) Get(ctx context.Context, id string) (*Agent, error) {
	if id == "" {
		return nil, errors.New("integrator.io client: the agent id is empty")
	}
	cl := s.client.newCall(http.MethodGet, "/agents/"+url.PathEscape(id), nil, safeToRepeat)
	resp, err := s.client.do(ctx, cl)
	if err != nil {
		return nil, err
	}
	var agent Agent
	if err := s.client.decodeObject(resp, &agent, "agent"); err != nil {
		return nil, cl.decodeError(err)
	}
	if agent.ID == "" {
		return nil, cl.decodeError(errors.New("the agent the server sent has no _id"))
	}
	return &agent, nil
}
