package editor

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/flowgate/flowgate/engine"
)

// NodeSet is a node set as Node-RED's admin API shows it (GET /nodes):
// a group of node types that is enabled or disabled as one, within a
// module.
type NodeSet struct {
	// ID is "module/name" ("node-red/inject").
	ID    string   `json:"id"`
	Name  string   `json:"name"`
	Types []string `json:"types"`
	// Enabled is false for a disabled set: its types are kept in flows
	// and not run.
	Enabled bool `json:"enabled"`
	// Local and User are Node-RED's flags for modules installed from a
	// local directory or by the user; always false (types are built in).
	Local   bool   `json:"local"`
	User    bool   `json:"user"`
	Module  string `json:"module"`
	Version string `json:"version"`
}

// nodeModule is Node-RED's module info (GET /nodes/:module).
type nodeModule struct {
	Name    string    `json:"name"`
	Version string    `json:"version"`
	Nodes   []NodeSet `json:"nodes"`
}

// NodeSetsBackend is implemented by a Backend that groups its node types
// in Node-RED's node sets (GET/PUT /nodes/...); without it GET /nodes
// lists no sets.
type NodeSetsBackend interface {
	// NodeSets returns every set, in the order GET /nodes lists them.
	NodeSets() []NodeSet
	// SetNodeSetEnabled enables or disables the set id and returns it:
	// ErrNotFound for no such set, a *TypeInUseError when a set that the
	// deployed flows use is disabled (as Node-RED refuses it).
	SetNodeSetEnabled(ctx context.Context, id string, enabled bool) (NodeSet, error)
}

// TypeInUseError refuses to disable a node set whose types the deployed
// flows use (Node-RED's type_in_use).
type TypeInUseError struct {
	Types []string
}

func (e *TypeInUseError) Error() string { return "Type in use: " + strings.Join(e.Types, ", ") }

// DiagnosticsBackend is implemented by a Backend that reports
// diagnostics (GET /diagnostics, Node-RED 4's report); without it the
// route answers 404.
type DiagnosticsBackend interface {
	// Diagnostics returns the report, ready to encode as JSON.
	Diagnostics() any
}

// errNoInstall is the answer to the routes that install or remove
// modules: Flowgate's node types are compiled into the binary.
func errNoInstall(what string) *apiError {
	return errorf(http.StatusBadRequest, "install_not_allowed", "%s: Flowgate's node types are built into its binary (no npm installs on the gateway); node sets can be enabled and disabled", what)
}

// getSpecs serves GET /api/specs: the node specs the browser editor
// builds its palette and forms from.
func (s *Server) getSpecs(c echo.Context) error {
	specs := s.o.Backend.Specs()
	if specs == nil {
		specs = []engine.Spec{}
	}
	return writeJSON(c, http.StatusOK, specs)
}

// nodeSets returns the backend's node sets (none without NodeSetsBackend).
func (s *Server) nodeSets() []NodeSet {
	if nb, ok := s.o.Backend.(NodeSetsBackend); ok {
		if sets := nb.NodeSets(); sets != nil {
			return sets
		}
	}
	return []NodeSet{}
}

// getNodes serves GET /nodes: Node-RED's list of node sets, as JSON
// whatever the Accept header asks (Node-RED answers text/html with its
// editor scripts there; Flowgate's editor reads GET /api/specs instead).
func (s *Server) getNodes(c echo.Context) error {
	return writeJSON(c, http.StatusOK, s.nodeSets())
}

// module returns the module info of name; false when no set is in it.
func (s *Server) module(name string) (nodeModule, bool) {
	m := nodeModule{Name: name, Nodes: []NodeSet{}}
	for _, set := range s.nodeSets() {
		if set.Module == name {
			m.Version = set.Version
			m.Nodes = append(m.Nodes, set)
		}
	}
	return m, len(m.Nodes) > 0
}

// set returns the node set id.
func (s *Server) set(id string) (NodeSet, bool) {
	for _, set := range s.nodeSets() {
		if set.ID == id {
			return set, true
		}
	}
	return NodeSet{}, false
}

var (
	errModuleNotFound = errorf(http.StatusNotFound, "not_found", "Module not found")
	errSetNotFound    = errorf(http.StatusNotFound, "not_found", "Node not found")
)

// getNodeModule serves GET /nodes/:module.
func (s *Server) getNodeModule(c echo.Context) error {
	m, ok := s.module(param(c, "module"))
	if !ok {
		return errModuleNotFound
	}
	return writeJSON(c, http.StatusOK, m)
}

// getNodeSet serves GET /nodes/:module/:set.
func (s *Server) getNodeSet(c echo.Context) error {
	set, ok := s.set(param(c, "module") + "/" + param(c, "set"))
	if !ok {
		return errSetNotFound
	}
	return writeJSON(c, http.StatusOK, set)
}

// enabledOf reads Node-RED's {"enabled": bool} body; as Node-RED, a body
// without "enabled" is invalid_request, and any other value than true
// disables.
func (s *Server) enabledOf(c echo.Context) (bool, error) {
	body, err := s.readBody(c)
	if err != nil {
		return false, err
	}
	var req map[string]any
	if err := decodeJSON(body, &req); err != nil {
		return false, err
	}
	v, ok := req["enabled"]
	if !ok {
		return false, errorf(http.StatusBadRequest, "invalid_request", "Invalid request")
	}
	return v == true, nil
}

// setEnabled switches one set, mapping the backend's errors to Node-RED's.
func (s *Server) setEnabled(c echo.Context, id string, on bool) (NodeSet, error) {
	nb, ok := s.o.Backend.(NodeSetsBackend)
	if !ok {
		return NodeSet{}, errSetNotFound
	}
	set, err := nb.SetNodeSetEnabled(c.Request().Context(), id, on)
	var inUse *TypeInUseError
	switch {
	case err == nil:
		return set, nil
	case isNotFound(err):
		return set, errSetNotFound
	case errors.As(err, &inUse):
		return set, errorf(http.StatusBadRequest, "type_in_use", "%s", inUse.Error())
	}
	return set, fmt.Errorf("node set %s: %w", id, err)
}

// putNodeSet serves PUT /nodes/:module/:set {"enabled": bool}.
func (s *Server) putNodeSet(c echo.Context) error {
	on, err := s.enabledOf(c)
	if err != nil {
		return err
	}
	set, err := s.setEnabled(c, param(c, "module")+"/"+param(c, "set"), on)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, set)
}

// putNodeModule serves PUT /nodes/:module {"enabled": bool}: every set of
// the module, then the module info.
func (s *Server) putNodeModule(c echo.Context) error {
	on, err := s.enabledOf(c)
	if err != nil {
		return err
	}
	m, ok := s.module(param(c, "module"))
	if !ok {
		return errModuleNotFound
	}
	for _, set := range m.Nodes {
		if set.Enabled == on {
			continue
		}
		if _, err := s.setEnabled(c, set.ID, on); err != nil {
			return err
		}
	}
	m, _ = s.module(m.Name)
	return writeJSON(c, http.StatusOK, m)
}

// postNodes serves POST /nodes (install a module): refused.
func (s *Server) postNodes(c echo.Context) error {
	body, err := s.readBody(c)
	if err != nil {
		return err
	}
	var req struct {
		Module string `json:"module"`
	}
	_ = decodeJSON(body, &req) // what was asked only words the answer
	what := "cannot install modules"
	if req.Module != "" {
		what = "cannot install " + clip(req.Module)
	}
	return errNoInstall(what)
}

// deleteNodeModule serves DELETE /nodes/:module (remove a module):
// Node-RED's 404 for an unknown module, refused for the others.
func (s *Server) deleteNodeModule(c echo.Context) error {
	m, ok := s.module(param(c, "module"))
	if !ok {
		return errModuleNotFound
	}
	return errNoInstall("cannot remove " + m.Name)
}

// getDiagnostics serves GET /diagnostics.
func (s *Server) getDiagnostics(c echo.Context) error {
	db, ok := s.o.Backend.(DiagnosticsBackend)
	if !ok {
		return sendStatus(c, http.StatusNotFound)
	}
	return writeJSON(c, http.StatusOK, db.Diagnostics())
}
