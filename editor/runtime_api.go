package editor

import (
	"errors"
	"maps"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/flows"
)

// getSettings serves GET /settings: the editor's defaults, overlaid by the
// runtime's Backend.Settings (objects merged key by key).
func (s *Server) getSettings(c echo.Context) error {
	out := map[string]any{
		"httpNodeRoot": "/",
		"version":      s.o.Version,
		"context":      map[string]any{"default": "memory", "stores": []string{"memory"}},
		// Flowgate always offers POST /flows/state.
		"runtimeState": map[string]any{"enabled": true, "ui": true},
		// GET /diagnostics answers Node-RED 4's report.
		"diagnostics": map[string]any{"enabled": true, "ui": true},
		// Node types are compiled in: no palette installs.
		"externalModules": map[string]any{"palette": map[string]any{"allowInstall": false, "allowUpload": false}},
		"editorTheme":     map[string]any{"languages": []string{"en-US"}},
	}
	merge(out, s.o.Backend.Settings())
	if sess, ok := c.Get(sessionKey).(Session); ok {
		// Node-RED's settings name the logged-in user
		out["user"] = map[string]any{"username": sess.Username, "permissions": sess.Scope}
	}
	return writeJSON(c, http.StatusOK, out)
}

// merge copies src into dst; where both hold an object, it merges them
// recursively instead of replacing. src values are not copied deeply, so
// dst's nested maps are copied before being changed.
func merge(dst, src map[string]any) {
	for k, v := range src {
		sm, sok := v.(map[string]any)
		dm, dok := dst[k].(map[string]any)
		if sok && dok {
			dm = maps.Clone(dm)
			merge(dm, sm)
			dst[k] = dm
			continue
		}
		dst[k] = v
	}
}

// isNotFound reports whether err says the node does not exist or does not
// run.
func isNotFound(err error) bool {
	return errors.Is(err, ErrNotFound) || errors.Is(err, flows.ErrNotFound) || errors.Is(err, engine.ErrNotRunning)
}

// postInject serves POST /inject/:id. A body carrying
// __user_inject_props__ (the editor's "inject now" with edited
// properties) is passed whole to the node, as Node-RED passes it to
// node.receive; any other body is ignored.
func (s *Server) postInject(c echo.Context) error {
	body, err := s.readBody(c)
	if err != nil {
		return err
	}
	var req map[string]any
	if err := decodeJSON(body, &req); err != nil {
		var ae *apiError
		if errors.As(err, &ae) && ae.Code == "invalid_json" {
			return err
		}
		req = nil // valid JSON but not an object: no properties
	}
	var props engine.Msg
	if _, ok := req["__user_inject_props__"]; ok {
		props = req
	}
	switch err := s.o.Backend.Inject(c.Request().Context(), param(c, "id"), props); {
	case err == nil:
		return sendStatus(c, http.StatusOK)
	case isNotFound(err):
		return sendStatus(c, http.StatusNotFound)
	default:
		s.o.Log.Error("inject failed", "node", param(c, "id"), "err", err)
		return sendStatus(c, http.StatusInternalServerError)
	}
}

// debugState reads the enable|disable path parameter.
func debugState(c echo.Context) (on, ok bool) {
	switch c.Param("state") {
	case "enable":
		return true, true
	case "disable":
		return false, true
	}
	return false, false
}

// debugDone is Node-RED's answer to a debug switch: 200 for enable, 201
// for disable.
func debugDone(c echo.Context, on bool) error {
	if on {
		return sendStatus(c, http.StatusOK)
	}
	return sendStatus(c, http.StatusCreated)
}

// postDebug serves POST /debug/:id/enable|disable.
func (s *Server) postDebug(c echo.Context) error {
	on, ok := debugState(c)
	if !ok {
		return sendStatus(c, http.StatusNotFound)
	}
	switch err := s.o.Backend.SetActive(param(c, "id"), on); {
	case err == nil:
		return debugDone(c, on)
	case isNotFound(err):
		return sendStatus(c, http.StatusNotFound)
	default:
		s.o.Log.Error("debug switch failed", "node", param(c, "id"), "err", err)
		return sendStatus(c, http.StatusInternalServerError)
	}
}

// postDebugBulk serves POST /debug/enable|disable with {nodes: [ids]};
// ids of nodes that do not exist are skipped, as in Node-RED.
func (s *Server) postDebugBulk(c echo.Context) error {
	on, ok := debugState(c)
	if !ok {
		return sendStatus(c, http.StatusNotFound)
	}
	body, err := s.readBody(c)
	if err != nil {
		return err
	}
	var req struct {
		Nodes []any `json:"nodes"`
	}
	if decodeJSON(body, &req) != nil || req.Nodes == nil {
		return sendStatus(c, http.StatusBadRequest)
	}
	for _, n := range req.Nodes {
		id, _ := n.(string)
		if err := s.o.Backend.SetActive(id, on); err != nil && !isNotFound(err) {
			s.o.Log.Error("debug switch failed", "node", id, "err", err)
		}
	}
	return debugDone(c, on)
}

// getHealth serves GET /healthz.
func (s *Server) getHealth(c echo.Context) error {
	return writeJSON(c, http.StatusOK, map[string]string{"status": "ok"})
}

// getReady serves GET /readyz: 200 {"status":"ready"}, or 503 with the
// reason when the backend is not ready. /healthz stays a liveness answer
// (the process serves HTTP); /readyz says whether it runs its flows.
func (s *Server) getReady(c echo.Context) error {
	if rb, ok := s.o.Backend.(ReadyBackend); ok {
		if err := rb.Ready(); err != nil {
			return writeJSON(c, http.StatusServiceUnavailable, map[string]string{"status": "not ready", "reason": err.Error()})
		}
	}
	return writeJSON(c, http.StatusOK, map[string]string{"status": "ready"})
}

// getCredentials serves GET /credentials/:type/:id as Node-RED: the
// node's non-secret credentials and has_<name> flags ({} when none).
func (s *Server) getCredentials(c echo.Context) error {
	out := map[string]any{}
	if cb, ok := s.o.Backend.(CredentialsBackend); ok {
		out = cb.Credentials(param(c, "type"), param(c, "id"))
	}
	return writeJSON(c, http.StatusOK, out)
}
