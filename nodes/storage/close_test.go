package storage

import (
	"testing"

	"github.com/flowgate/flowgate/nodes/internal/shutdown/shutdowntest"
)

// Close of store in returns by its deadline when a goroutine it waits
// for (a flush or the retention trim) is stuck.
func TestStoreInCloseBoundedWhenStuck(t *testing.T) {
	s := newSite(t)
	s.deploy(`{"id":"t","type":"tab"}`, `{"id":"in","type":"store in","z":"t","batch":100,"flush":600000}`)
	n, ok := s.h.E.Node("in")
	if !ok {
		t.Fatal("no store in node")
	}
	st := n.(*storeIn)
	shutdowntest.CloseBounded(t, &st.wg, st.Close)
}
