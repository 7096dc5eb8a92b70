package engine_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/flowgate/flowgate/engine"
)

type handle struct{ n int }

func TestMsgClone(t *testing.T) {
	res := &handle{n: 1}
	when := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	m := engine.Msg{
		"_msgid":  "id1",
		"payload": map[string]any{"list": []any{1.0, map[string]any{"a": "b"}}, "buf": []byte{1, 2}},
		"strs":    []string{"x"},
		"when":    when,
		"res":     res,
		"nested":  engine.Msg{"k": []any{"v"}},
	}
	c := m.Clone()
	if diff := cmp.Diff(m, c, cmp.AllowUnexported(handle{})); diff != "" {
		t.Fatalf("clone differs (-orig +clone):\n%s", diff)
	}
	t.Run("deep for maps, slices and bytes", func(t *testing.T) {
		p := c["payload"].(map[string]any)
		p["list"].([]any)[1].(map[string]any)["a"] = "changed"
		p["buf"].([]byte)[0] = 9
		p["added"] = true
		c["strs"].([]string)[0] = "y"
		c["nested"].(engine.Msg)["k"].([]any)[0] = "w"
		want := engine.Msg{
			"_msgid":  "id1",
			"payload": map[string]any{"list": []any{1.0, map[string]any{"a": "b"}}, "buf": []byte{1, 2}},
			"strs":    []string{"x"},
			"when":    when,
			"res":     res,
			"nested":  engine.Msg{"k": []any{"v"}},
		}
		if diff := cmp.Diff(want, m, cmp.AllowUnexported(handle{})); diff != "" {
			t.Errorf("original changed with its clone (-want +got):\n%s", diff)
		}
	})
	t.Run("opaque pointers are shared", func(t *testing.T) {
		if c["res"].(*handle) != res {
			t.Error("clone copied an opaque value; Node-RED keeps msg.req/res shared")
		}
	})
	t.Run("nil", func(t *testing.T) {
		var n engine.Msg
		if n.Clone() != nil {
			t.Error("nil clone is not nil")
		}
	})
}

func TestNewMsgID(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		id := engine.NewMsgID()
		if len(id) != 16 || seen[id] {
			t.Fatalf("bad or repeated id %q", id)
		}
		seen[id] = true
	}
	if m := engine.NewMsg(); m["_msgid"] == "" || len(m) != 1 {
		t.Errorf("NewMsg = %v", m)
	}
}
