package jsonata

import (
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/flowgate/flowgate/engine"
)

// TestMoment: $moment as Node-RED 4.1.15 evaluates these expressions
// (@node-red/util prepareJSONataExpression, TZ=Europe/Paris).
func TestMoment(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Skip("no zone data:", err)
	}
	saved := time.Local
	time.Local = paris // goja's Date uses the local zone as node's TZ does
	t.Cleanup(func() { time.Local = saved })
	e := New(0)
	defer e.Close()
	msg := engine.Msg{"payload": 1700000000000.0, "topic": "2024-03-10T12:34:56Z", "s": "10/03/2024 08:15"}
	tests := []struct {
		src  string
		want any
	}{
		{`$moment(payload).toISOString()`, "2023-11-14T22:13:20.000Z"},
		{`$moment(payload).format()`, "2023-11-14T23:13:20+01:00"},
		{`$moment(payload).format("YYYY-MM-DD HH:mm:ss")`, "2023-11-14 23:13:20"},
		{`$moment(payload).tz("America/New_York").format("YYYY-MM-DD HH:mm:ss Z z")`, "2023-11-14 17:13:20 -05:00 EST"},
		{`$moment(payload).add(1, "days").valueOf()`, 1700086400000.0},
		{`$moment(payload).subtract(2, "hours").toISOString()`, "2023-11-14T20:13:20.000Z"},
		{`$moment(topic).format("dddd, MMMM Do YYYY, h:mm:ss a")`, "Sunday, March 10th 2024, 1:34:56 pm"},
		{`$moment(s, "DD/MM/YYYY HH:mm").valueOf()`, 1710054900000.0},
		{`$moment(payload).utc().format()`, "2023-11-14T22:13:20Z"},
		{`$moment(payload).tz("Asia/Kolkata").format("HH:mm")`, "03:43"},
		{`$moment(payload).startOf("day").valueOf()`, 1699916400000.0},
		{`$moment(payload).unix()`, 1700000000.0},
		{`$moment(payload).isValid()`, true},
		// topic is not in the input here (Eval's first argument is nil), so
		// $moment(topic) is now: Node-RED gave -1115 on the capture's day,
		// 2026-12-04; moment's diff in days, truncated toward zero
		{`$moment(payload).diff($moment(topic), "days")`, daysSince(paris, 1700000000000)},
		{`$moment(payload).week()`, 46.0},
		{`$moment(payload).tz("Europe/London").format("LLLL")`, "Tuesday, November 14, 2023 10:13 PM"},
		{`$moment(payload).format("x X Q W E e DDDD")`, "1700000000000 1700000000 4 46 2 2 318"},
		{`$moment(payload)`, time.UnixMilli(1700000000000)}, // Node-RED: a moment, JSON "2023-11-14T22:13:20.000Z"
		{`{"at": $moment(payload).add(1, "hours")}.at`, time.UnixMilli(1700003600000)},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			x, err := e.Compile(tt.src)
			if err != nil {
				t.Fatal(err)
			}
			got, err := x.Eval(nil, msg, nil)
			if err != nil {
				t.Fatal(err)
			}
			if w, isTime := tt.want.(time.Time); isTime {
				if g, ok := got.(time.Time); !ok || !g.Equal(w) {
					t.Errorf("got %#v, want the time %v", got, w)
				}
				return
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-Node-RED +got)\n%s", diff)
			}
		})
	}
}

// daysSince is moment(ms).diff(moment(), "days") in loc: the difference
// less the change of UTC offset between the two, in days, truncated
// toward zero.
func daysSince(loc *time.Location, ms int64) float64 {
	then, now := time.UnixMilli(ms).In(loc), time.Now().In(loc)
	_, offThen := then.Zone()
	_, offNow := now.Zone()
	d := float64(then.UnixMilli()-now.UnixMilli()-int64(offNow-offThen)*1000) / 864e5
	return math.Trunc(d)
}
