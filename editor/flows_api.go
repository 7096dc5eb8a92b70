package editor

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/flows"
)

// Admin API versions (the Node-RED-API-Version header).
const (
	apiV1 = "v1"
	apiV2 = "v2"
)

// apiVersion reads Node-RED-API-Version: v1 by default, v1 or v2 allowed.
func apiVersion(c echo.Context) (string, error) {
	v := c.Request().Header.Get("Node-RED-API-Version")
	switch v {
	case "":
		return apiV1, nil
	case apiV1, apiV2:
		return v, nil
	}
	return "", errorf(http.StatusBadRequest, "invalid_api_version", "Invalid API Version requested")
}

// getFlows serves GET /flows: the flows array (v1) or {flows, rev} (v2),
// byte for byte as Node-RED writes them.
func (s *Server) getFlows(c echo.Context) error {
	v, err := apiVersion(c)
	if err != nil {
		return err
	}
	cfg := s.o.Backend.Flows()
	if v == apiV1 {
		return writeRawJSON(c, http.StatusOK, cfg.MarshalV1())
	}
	return writeRawJSON(c, http.StatusOK, cfg.MarshalV2())
}

// postFlows serves POST /flows: v1 takes the flows array and answers 204;
// v2 takes {flows, rev} and answers {rev}, with "warnings" (the problems
// the deploy accepted, see WarningsBackend) when there are any. The Node-RED-Deployment-Type
// header picks full (default), flows, nodes or reload; reload redeploys
// the deployed configuration and ignores the body.
func (s *Server) postFlows(c echo.Context) error {
	v, err := apiVersion(c)
	if err != nil {
		return err
	}
	mode := engine.DeployMode(c.Request().Header.Get("Node-RED-Deployment-Type"))
	switch mode {
	case "":
		mode = engine.DeployFull
	case engine.DeployFull, engine.DeployFlows, engine.DeployNodes, engine.DeployReload:
	default:
		return errorf(http.StatusBadRequest, "invalid_deployment_type",
			"invalid Node-RED-Deployment-Type %q: want full, flows, nodes or reload", mode)
	}
	body, err := s.readBody(c)
	if err != nil {
		return err
	}
	var cfg *flows.Config
	var rev string
	if mode == engine.DeployReload {
		cfg = s.o.Backend.Flows()
	} else if cfg, rev, err = parseDeployment(body, v); err != nil {
		return err
	}
	newRev, err := s.o.Backend.Deploy(c.Request().Context(), cfg, mode, rev)
	if err != nil {
		return deployError(err)
	}
	s.publishDeploy(newRev)
	if v == apiV1 {
		return c.NoContent(http.StatusNoContent)
	}
	answer := map[string]any{"rev": newRev}
	if wb, ok := s.o.Backend.(WarningsBackend); ok {
		if ws := wb.DeployWarnings(newRev); len(ws) > 0 {
			answer["warnings"] = ws // Node-RED's editor reads rev only
		}
	}
	return writeJSON(c, http.StatusOK, answer)
}

// staleRev is Node-RED's answer to a v2 deploy based on another revision
// (its error has an empty message, so Express prints "Error").
var staleRev = &apiError{status: http.StatusConflict, Code: "version_mismatch", Message: "Error"}

// parseDeployment decodes a POST /flows body of API version v and returns
// the rev the client based it on ("" when it sent none).
func parseDeployment(body []byte, v string) (*flows.Config, string, error) {
	if !json.Valid(body) {
		_, err := flows.Parse(body) // names line and column
		if err == nil {
			err = errors.New("invalid JSON")
		}
		return nil, "", errorf(http.StatusBadRequest, "invalid_json", "%v", err)
	}
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	switch {
	case v == apiV1 && (len(trimmed) == 0 || trimmed[0] != '['):
		return nil, "", errorf(http.StatusBadRequest, "invalid_flows", "API v1 expects a JSON array of nodes")
	case v == apiV2 && (len(trimmed) == 0 || trimmed[0] != '{'):
		return nil, "", errorf(http.StatusBadRequest, "invalid_flows", `API v2 expects an object {"flows":[...],"rev":"..."}`)
	}
	cfg, err := flows.Parse(body)
	if err != nil {
		return nil, "", errorf(http.StatusBadRequest, "invalid_flows", "%v", err)
	}
	if v == apiV2 && cfg.BaseRev == "" {
		// Node-RED compares any "rev" key, even "" or a non-string, with
		// the deployed rev, which is never equal to such a value.
		var probe struct {
			Rev json.RawMessage `json:"rev"`
		}
		if json.Unmarshal(body, &probe) == nil && probe.Rev != nil {
			return nil, "", staleRev
		}
	}
	return cfg, cfg.BaseRev, nil
}

// deployError maps a Backend.Deploy error to its response.
func deployError(err error) error {
	if errors.Is(err, ErrStaleRev) {
		return staleRev
	}
	var ps flows.Problems
	if errors.As(err, &ps) {
		return &apiError{status: http.StatusBadRequest, Code: "invalid_flows", Message: ps.Error(), Problems: ps}
	}
	var fe *engine.FieldError
	if errors.As(err, &fe) {
		// A runtime that passes node construction errors through
		// unconverted: report them as problems all the same.
		ps = problemsOf(engine.FieldErrors(err))
		return &apiError{status: http.StatusBadRequest, Code: "invalid_flows", Message: ps.Error(), Problems: ps}
	}
	return errorf(http.StatusInternalServerError, "unexpected_error", "%v", err)
}

func problemsOf(fes []*engine.FieldError) flows.Problems {
	ps := make(flows.Problems, len(fes))
	for i, fe := range fes {
		ps[i] = flows.Problem{Node: fe.Node, Type: fe.Type, Field: fe.Field, Reason: fe.Reason, Severity: flows.SeverityError}
	}
	return ps
}

// getFlowsState serves GET /flows/state.
func (s *Server) getFlowsState(c echo.Context) error {
	return writeJSON(c, http.StatusOK, map[string]string{"state": s.runState()})
}

func (s *Server) runState() string {
	if s.o.Backend.FlowsRunning() {
		return "start"
	}
	return "stop"
}

// postFlowsState serves POST /flows/state {state: "start"|"stop"} and
// answers the new state. Node-RED offers it only with runtimeState
// enabled; Flowgate always does.
func (s *Server) postFlowsState(c echo.Context) error {
	body, err := s.readBody(c)
	if err != nil {
		return err
	}
	var req struct {
		State any `json:"state"`
	}
	if err := decodeJSON(body, &req); err != nil {
		return err
	}
	state, _ := req.State.(string)
	if state != "start" && state != "stop" {
		// Node-RED's wording, stray brace included.
		return errorf(http.StatusBadRequest, "invalid_run_state", "Cannot change flows runtime state to '%s'}", state)
	}
	if err := s.o.Backend.SetFlowsRunning(c.Request().Context(), state == "start"); err != nil {
		return errorf(http.StatusInternalServerError, "unexpected_error", "%v", err)
	}
	return writeJSON(c, http.StatusOK, map[string]string{"state": s.runState()})
}

// notFound is Node-RED's 404 of the single-flow API.
var notFound = &apiError{status: http.StatusNotFound, Code: "not_found", Message: "Error"}

// getFlow serves GET /flow/:id: one tab, or "global" for the global config
// nodes and subflows.
func (s *Server) getFlow(c echo.Context) error {
	doc, ok := s.o.Backend.Flows().Flow(param(c, "id"))
	if !ok {
		return notFound
	}
	b, err := doc.MarshalJSON()
	if err != nil {
		return err
	}
	return writeRawJSON(c, http.StatusOK, b)
}

// readFlowDoc decodes the body of POST /flow and PUT /flow/:id.
func (s *Server) readFlowDoc(c echo.Context) (flows.FlowDoc, error) {
	var doc flows.FlowDoc
	body, err := s.readBody(c)
	if err != nil {
		return doc, err
	}
	if !json.Valid(body) {
		err := doc.UnmarshalJSON(body) // names line and column
		if err == nil {
			err = errors.New("invalid JSON")
		}
		return doc, errorf(http.StatusBadRequest, "invalid_json", "%v", err)
	}
	if err := doc.UnmarshalJSON(body); err != nil {
		return doc, errorf(http.StatusBadRequest, "invalid_flow", "%v", err)
	}
	return doc, nil
}

// postFlow serves POST /flow: adds a tab and answers {id}.
func (s *Server) postFlow(c echo.Context) error {
	doc, err := s.readFlowDoc(c)
	if err != nil {
		return err
	}
	cur := s.o.Backend.Flows()
	next, id, err := cur.AddFlow(doc, nil)
	if err != nil {
		return errorf(http.StatusBadRequest, "unexpected_error", "%v", err)
	}
	if err := s.deployFlow(c, cur, next); err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, map[string]string{"id": id})
}

// putFlow serves PUT /flow/:id: replaces a tab (or "global") and answers
// {id}.
func (s *Server) putFlow(c echo.Context) error {
	id := param(c, "id")
	doc, err := s.readFlowDoc(c)
	if err != nil {
		return err
	}
	cur := s.o.Backend.Flows()
	next, err := cur.UpdateFlow(id, doc)
	if errors.Is(err, flows.ErrNotFound) {
		return notFound
	}
	if err != nil {
		return errorf(http.StatusBadRequest, "unexpected_error", "%v", err)
	}
	if err := s.deployFlow(c, cur, next); err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, map[string]string{"id": id})
}

// deleteFlow serves DELETE /flow/:id and answers 204.
func (s *Server) deleteFlow(c echo.Context) error {
	cur := s.o.Backend.Flows()
	next, err := cur.DeleteFlow(param(c, "id"))
	if errors.Is(err, flows.ErrNotFound) {
		return notFound
	}
	if err != nil {
		return errorf(http.StatusBadRequest, "unexpected_error", "%v", err)
	}
	if err := s.deployFlow(c, cur, next); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// deployFlow deploys an edit of cur as Node-RED deploys single-flow
// changes (type "flows"). It passes cur's rev, so an edit based on a
// configuration that another deploy replaced meanwhile gets 409 instead
// of silently undoing that deploy.
func (s *Server) deployFlow(c echo.Context, cur, next *flows.Config) error {
	rev, err := s.o.Backend.Deploy(c.Request().Context(), next, engine.DeployFlows, cur.Rev)
	if err != nil {
		return deployError(err)
	}
	s.publishDeploy(rev)
	return nil
}

// publishDeploy tells /comms clients, as Node-RED does after every
// deploy, that the flows on the server are now revision rev: the retained
// notification/runtime-deploy {"revision": rev}. An editor whose own rev
// differs offers to review and merge the server's flows.
func (s *Server) publishDeploy(rev string) {
	s.hub.Publish("notification/runtime-deploy", map[string]any{"revision": rev})
}
