package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
)

// ConnectionsService manages connection documents (/connections).
type ConnectionsService struct {
	client *Client
}

// List returns every connection, following the API's pages.
func (s *ConnectionsService) List(ctx context.Context) ([]Connection, error) {
	return listAll[Connection](ctx, s.client, "/connections", "connection")
}

// Get returns one connection. Secrets in it come back as Masked. An unknown id gives an error
// matching ErrNotFound.
func (s *ConnectionsService) Get(ctx context.Context, id string) (*Connection, error) {
	path, err := connectionPath(id, "")
	if err != nil {
		return nil, err
	}
	cl := s.client.newCall(http.MethodGet, path, nil, safeToRepeat)
	resp, err := s.client.do(ctx, cl)
	if err != nil {
		return nil, err
	}
	conn, err := s.client.decodeConnection(resp)
	if err != nil {
		return nil, cl.decodeError(err)
	}
	return conn, nil
}

// Create stores a new connection and returns it as the server stored it.
//
// A POST is not safe to repeat, so Create retries only when the server certainly did not act:
// after a 429, or when no connection to it could be made. When the request may have reached the
// server but no usable answer came back (a 5xx, a timeout or a dropped connection after sending,
// an undecodable answer), the error matches ErrOutcomeUnknown: the connection may exist, and the
// caller should look for it before creating it again.
func (s *ConnectionsService) Create(ctx context.Context, conn *Connection) (*Connection, error) {
	body, err := marshalConnection(conn)
	if err != nil {
		return nil, err
	}
	cl := s.client.newCall(http.MethodPost, "/connections", body, sendOnce)
	resp, err := s.client.do(ctx, cl)
	if err != nil {
		return nil, err
	}
	created, err := s.client.decodeConnection(resp)
	if err != nil {
		// The server said it acted, but its answer does not say what it made.
		return nil, s.client.outcomeUnknown(cl, err)
	}
	return created, nil
}

// Replace overwrites connection id with conn (PUT): fields left empty are cleared on the server,
// so conn must hold the real secrets, never Masked values read back from Get.
func (s *ConnectionsService) Replace(ctx context.Context, id string, conn *Connection) (*Connection, error) {
	path, err := connectionPath(id, "")
	if err != nil {
		return nil, err
	}
	body, err := marshalConnection(conn)
	if err != nil {
		return nil, err
	}
	cl := s.client.newCall(http.MethodPut, path, body, safeToRepeat)
	resp, err := s.client.do(ctx, cl)
	if err != nil {
		return nil, err
	}
	replaced, err := s.client.decodeConnection(resp)
	if err != nil {
		return nil, cl.decodeError(err)
	}
	return replaced, nil
}

// Delete removes a connection. An unknown id gives an error matching ErrNotFound, which a caller
// that only wants the connection gone may treat as success.
func (s *ConnectionsService) Delete(ctx context.Context, id string) error {
	path, err := connectionPath(id, "")
	if err != nil {
		return err
	}
	_, err = s.client.do(ctx, s.client.newCall(http.MethodDelete, path, nil, safeToRepeat))
	return err
}

// Ping asks the server to test a saved connection. A failed test is a *APIError holding the
// server's messages, whatever the HTTP status.
func (s *ConnectionsService) Ping(ctx context.Context, id string) error {
	path, err := connectionPath(id, "/ping")
	if err != nil {
		return err
	}
	// An empty JSON object rather than no body, so that no server rejects it as malformed.
	return s.ping(ctx, s.client.newCall(http.MethodPost, path, []byte("{}"), safeToRepeat))
}

// PingUnsaved asks the server to test a connection document without saving it. A failed test
// is a *APIError holding the server's messages, whatever the HTTP status.
func (s *ConnectionsService) PingUnsaved(ctx context.Context, conn *Connection) error {
	body, err := marshalConnection(conn)
	if err != nil {
		return err
	}
	return s.ping(ctx, s.client.newCall(http.MethodPost, "/connections/ping", body, safeToRepeat))
}

// ping runs a test and treats an "errors" array in a 2xx answer as a failure too, since the API
// reports failed tests either way.
func (s *ConnectionsService) ping(ctx context.Context, cl *call) error {
	resp, err := s.client.do(ctx, cl)
	if err != nil {
		return err
	}
	if hasErrorsArray(resp.body) {
		return s.client.newAPIError(cl, resp)
	}
	return nil
}

// connectionPath is the escaped path of connection id, plus suffix.
func connectionPath(id, suffix string) (string, error) {
	if id == "" {
		return "", errors.New("integrator.io client: the connection id is empty")
	}
	return "/connections/" + url.PathEscape(id) + suffix, nil
}

func marshalConnection(conn *Connection) ([]byte, error) {
	if conn == nil {
		return nil, errors.New("integrator.io client: the connection document is nil")
	}
	b, err := json.Marshal(conn)
	if err != nil {
		// Unreachable with the document types; never quote the document, it holds secrets.
		return nil, fmt.Errorf("integrator.io client: cannot encode the connection document: %T", err)
	}
	return b, nil
}
