package sequence

import (
	"errors"
	"testing"

	"github.com/flowgate/flowgate/engine"
)

func TestSort(t *testing.T) {
	seq := func(id string, i, n float64, v any, topic string) engine.Msg {
		return engine.Msg{"payload": v, "topic": topic, "parts": engine.ObjectOf("id", id, "index", i, "count", n)}
	}
	tests := []struct {
		name   string
		props  obj
		inputs []engine.Msg
		want   []obj
	}{
		{
			name:   "strings by code unit",
			inputs: []engine.Msg{{"payload": []any{"b", "B", "a", "é"}}},
			want:   []obj{{"payload": []any{"B", "a", "b", "é"}}},
		},
		{
			name:   "numeric strings compare as text without as_num",
			inputs: []engine.Msg{{"payload": []any{"10", "9", "1"}}},
			want:   []obj{{"payload": []any{"1", "10", "9"}}},
		},
		{
			name:   "mixed numbers and strings compare as numbers",
			inputs: []engine.Msg{{"payload": []any{10.0, "9", 1.0}}},
			want:   []obj{{"payload": []any{1, "9", 10}}},
		},
		{
			name:   "as_num descending",
			props:  obj{"as_num": true, "order": "descending"},
			inputs: []engine.Msg{{"payload": []any{"10", "9", "1.5"}}},
			want:   []obj{{"payload": []any{"10", "9", "1.5"}}},
		},
		{
			name:   "non-array is dropped",
			inputs: []engine.Msg{{"payload": "cba"}, {"payload": obj{"a": 1.0}}},
		},
		{
			name:  "sequence held until complete, then reindexed",
			props: obj{"targetType": "seq", "seqKey": "topic"},
			inputs: []engine.Msg{
				seq("s", 0, 3, 1.0, "c"), seq("t", 0, 1, 9.0, "z"), seq("s", 1, 3, 2.0, "a"), seq("s", 2, 3, 3.0, "b"),
			},
			want: []obj{
				{"payload": 9, "topic": "z", "parts": engine.ObjectOf("id", "t", "index", 0, "count", 1)},
				{"payload": 2, "topic": "a", "parts": engine.ObjectOf("id", "s", "index", 0, "count", 3)},
				{"payload": 3, "topic": "b", "parts": engine.ObjectOf("id", "s", "index", 1, "count", 3)},
				{"payload": 1, "topic": "c", "parts": engine.ObjectOf("id", "s", "index", 2, "count", 3)},
			},
		},
		{
			name:  "sequence with count only on the last message",
			props: obj{"targetType": "seq", "as_num": true, "order": "descending"},
			inputs: []engine.Msg{
				{"payload": "2", "parts": engine.ObjectOf("id", "s", "index", 0.0)},
				{"payload": "10", "parts": engine.ObjectOf("id", "s", "index", 1.0, "count", 2.0)},
			},
			want: []obj{
				{"payload": "10", "parts": engine.ObjectOf("id", "s", "index", 0, "count", 2)},
				{"payload": "2", "parts": engine.ObjectOf("id", "s", "index", 1)},
			},
		},
		{
			name:   "sequence message without parts is dropped",
			props:  obj{"targetType": "seq"},
			inputs: []engine.Msg{{"payload": 1.0}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, _ := run(t, flow(node("sort", tc.props)), tc.inputs)
			diffJSON(t, tc.want, strip(got))
		})
	}
}

func TestSortJSONataSyntaxError(t *testing.T) {
	for _, props := range []obj{
		{"targetType": "msg", "msgKeyType": "jsonata", "msgKey": "$("},
		{"targetType": "seq", "seqKeyType": "jsonata", "seqKey": "payload["},
	} {
		var fe *engine.FieldError
		if err := construct(t, "sort", props); !errors.As(err, &fe) {
			t.Errorf("%v: error %v, want a field error", props, err)
		}
	}
}
