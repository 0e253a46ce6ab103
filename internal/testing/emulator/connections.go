package emulator

import (
	"fmt"
	"net/http"
)

func (s *Server) listConnections(w http.ResponseWriter, r *http.Request, _ string) {
	s.listDocuments(w, r, &s.conns, s.listedConnection)
}

// listedConnection is a connection as a listing shows it: as a GET does, without externalId
// under Config.ListOmitsExternalID.
func (s *Server) listedConnection(doc map[string]any) map[string]any {
	out := s.maskedConnection(doc)
	if s.cfg.ListOmitsExternalID {
		delete(out, "externalId")
	}
	return out
}

func (s *Server) getConnection(w http.ResponseWriter, r *http.Request, id string) {
	s.mu.Lock()
	e, ok := s.connection(id)
	var doc map[string]any
	if ok {
		doc = s.maskedConnection(e.doc)
	}
	s.mu.Unlock()
	if !ok {
		writeConnectionNotFound(w, id)
		return
	}
	writeJSON(w, http.StatusOK, doc)
}

func (s *Server) createConnection(w http.ResponseWriter, r *http.Request, _ string) {
	doc, ok := readDocument(w, r)
	if !ok || !s.takeServerSetFields(w, doc) {
		return
	}
	if errs := s.validateConnection(doc); len(errs) > 0 {
		writeErrors(w, http.StatusUnprocessableEntity, errs...)
		return
	}
	s.normalise(doc)
	if s.cfg.DropExternalID {
		delete(doc, "externalId")
	}

	s.mu.Lock()
	if errs := s.checkReferences(doc, ""); len(errs) > 0 {
		s.mu.Unlock()
		writeErrors(w, http.StatusUnprocessableEntity, errs...)
		return
	}
	now := s.cfg.Now()
	id := s.ids.next(now, s.idTaken)
	doc["_id"] = id
	doc["createdAt"] = formatTime(now)
	doc["lastModified"] = formatTime(now)
	doc["lastModifiedBy"] = userID(r)
	doc["offline"] = s.cfg.CreateOffline
	if _, given := doc["sandbox"]; s.cfg.LegacySandbox && !given {
		doc["sandbox"] = false
	}
	s.conns.insert(id, doc)
	out := s.maskedConnection(doc)
	s.mu.Unlock()

	writeJSON(w, http.StatusCreated, out)
}

// replaceConnection is a full replace: fields the body leaves out are gone. A save of an offline
// connection tests the new settings, and a success clears the flag; a failure never rejects the
// save (Config.SaveKeepsOffline: the flag is kept as it was, only a test sets or clears it).
func (s *Server) replaceConnection(w http.ResponseWriter, r *http.Request, id string) {
	doc, ok := readDocument(w, r)
	if !ok || !s.takeServerSetFields(w, doc) {
		return
	}

	s.mu.Lock()
	e, ok := s.connection(id)
	if !ok {
		s.mu.Unlock()
		writeConnectionNotFound(w, id)
		return
	}
	errs := s.validateConnection(doc)
	errs = append(errs, s.checkReferences(doc, id)...)
	if len(errs) > 0 {
		s.mu.Unlock()
		writeErrors(w, http.StatusUnprocessableEntity, errs...)
		return
	}
	s.normalise(doc)
	wasOffline, _ := e.doc["offline"].(bool)
	doc["_id"] = id
	doc["createdAt"] = e.doc["createdAt"]
	doc["lastModified"] = formatTime(s.cfg.Now())
	doc["lastModifiedBy"] = userID(r)
	doc["offline"] = wasOffline
	s.conns.replace(e, doc)
	rev := e.rev
	testNow := wasOffline && !s.cfg.SaveKeepsOffline
	var job pingJob
	if testNow {
		job = s.preparePing(doc)
	}
	out := s.maskedConnection(doc)
	s.mu.Unlock()

	if testNow && s.runPing(r.Context(), job) == nil {
		if s.setOffline(id, rev, false) {
			out["offline"] = false
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) deleteConnection(w http.ResponseWriter, r *http.Request, id string) {
	s.mu.Lock()
	ok := isID(id) && s.conns.remove(id)
	s.mu.Unlock()
	if !ok {
		writeConnectionNotFound(w, id)
		return
	}
	writeNoContent(w)
}

// pingSavedConnection tests a stored connection and records the outcome in its offline flag.
func (s *Server) pingSavedConnection(w http.ResponseWriter, r *http.Request, id string) {
	s.mu.Lock()
	e, ok := s.connection(id)
	var job pingJob
	var rev uint64
	if ok {
		job, rev = s.preparePing(e.doc), e.rev
	}
	s.mu.Unlock()
	if !ok {
		writeConnectionNotFound(w, id)
		return
	}

	failure := s.runPing(r.Context(), job)
	// A test cut short because the caller left tells nothing about the database.
	if r.Context().Err() == nil {
		s.setOffline(id, rev, failure != nil)
	}
	s.writePingResult(w, failure)
}

// testSavedConnection answers POST /connections/{id}/test: by default the ping's test and
// answer; with Config.NoTestEndpoint, 404 as for an unknown endpoint.
func (s *Server) testSavedConnection(w http.ResponseWriter, r *http.Request, id string) {
	if s.cfg.NoTestEndpoint {
		writeError(w, http.StatusNotFound, codeNotFound, "no such endpoint: "+r.URL.Path)
		return
	}
	s.pingSavedConnection(w, r, id)
}

// pingUnsavedConnection tests the document in the body, validated as a create would be.
func (s *Server) pingUnsavedConnection(w http.ResponseWriter, r *http.Request, _ string) {
	doc, ok := readDocument(w, r)
	if !ok || !s.takeServerSetFields(w, doc) {
		return
	}
	if errs := s.validateConnection(doc); len(errs) > 0 {
		writeErrors(w, http.StatusUnprocessableEntity, errs...)
		return
	}
	s.mu.Lock()
	errs := s.checkReferences(doc, "")
	job := s.preparePing(doc)
	s.mu.Unlock()
	if len(errs) > 0 {
		writeErrors(w, http.StatusUnprocessableEntity, errs...)
		return
	}
	s.writePingResult(w, s.runPing(r.Context(), job))
}

func (s *Server) writePingResult(w http.ResponseWriter, failure *PingError) {
	if failure != nil && s.cfg.PingErrorsAsStrings {
		writeJSON(w, s.cfg.PingFailureStatus, map[string][]string{"errors": {failure.Message}})
		return
	}
	if failure != nil {
		writeErrors(w, s.cfg.PingFailureStatus, apiError{Code: failure.Code, Message: failure.Message})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"code": http.StatusOK})
}

// MarkConnectionOffline marks a connection offline as integrator.io does when a flow fails to
// connect through it, between any two reads of a client. It changes nothing else (not
// lastModified): a client learns of it only by reading the flag.
func (s *Server) MarkConnectionOffline(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.connection(id)
	if !ok {
		return fmt.Errorf("no connection has the id %s", quoteValue(id))
	}
	e.doc["offline"] = true
	return nil
}

// setOffline records a test's outcome, unless the connection was replaced or deleted since the
// test read it (rev). It reports whether it wrote.
func (s *Server) setOffline(id string, rev uint64, offline bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.conns.get(id)
	if !ok || e.rev != rev {
		return false
	}
	e.doc["offline"] = offline
	return true
}

// connection looks up a connection; malformed ids are simply unknown. The caller holds s.mu.
func (s *Server) connection(id string) (*entry, bool) {
	if !isID(id) {
		return nil, false
	}
	return s.conns.get(id)
}

// idTaken reports whether any document already has id. The caller holds s.mu.
func (s *Server) idTaken(id string) bool {
	_, conn := s.conns.get(id)
	_, agent := s.agents.get(id)
	return conn || agent
}

// takeServerSetFields removes from a connection written by a client the fields only the server
// sets, counting each; with Config.RefuseServerSetFields it answers 422 instead and reports false.
func (s *Server) takeServerSetFields(w http.ResponseWriter, doc map[string]any) bool {
	var errs errorList
	for _, f := range serverConnectionFields {
		if _, ok := doc[f]; ok {
			s.serverSetSent.count(f)
			errs.invalid(f, "is set by integrator.io and cannot be written")
		}
	}
	if s.cfg.RefuseServerSetFields && len(errs) > 0 {
		writeErrors(w, http.StatusUnprocessableEntity, errs...)
		return false
	}
	dropFields(doc, serverConnectionFields)
	return true
}

func writeConnectionNotFound(w http.ResponseWriter, id string) {
	writeError(w, http.StatusNotFound, codeNotFound, "no connection has the id "+quoteValue(id))
}
