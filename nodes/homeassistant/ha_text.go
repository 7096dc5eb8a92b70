package homeassistant

import (
	"fmt"
	"regexp"
	"unicode/utf8"

	"github.com/flowgate/flowgate/engine"
)

// textMaxLength is the longest text Home Assistant's text entity takes
// (homeassistant/components/text/__init__.py MAX_LENGTH_STATE_STATE).
const textMaxLength = 255

func haTextSpec() engine.Spec {
	return engine.Spec{
		Type: "ha-text", Category: "home assistant", Color: "#41bdf5", Icon: "template.svg",
		Inputs: 1, Outputs: 1, LabelProp: "name", PaletteLabel: "text",
		Props: entityProps(
			engine.Prop{Name: "min", Label: "Minimum length", Kind: engine.KindNumber, Default: 0},
			engine.Prop{Name: "max", Label: "Maximum length", Kind: engine.KindNumber, Default: textMaxLength},
			engine.Prop{Name: "pattern", Label: "Pattern (regular expression)", Kind: engine.KindString, Default: ""},
			engine.Prop{Name: "mode", Label: "Mode", Kind: engine.KindSelect, Default: "text", Options: selectOptions([]string{"text", "password"}, false)},
			echoProp(),
		),
		Help: help("ha-text"),
	}
}

// newHAText: an input sets the text; Home Assistant's text leaves as
// msg.payload.
func newHAText(cfg *engine.Config, res *engine.Resources) (engine.Node, error) {
	p := cfg.Reader()
	lo, hi := p.Int("min", 0), p.Int("max", textMaxLength)
	// homeassistant/components/mqtt/text.py valid_text_size_configuration
	if lo < 0 {
		p.Fail("min", "minimum length must be 0 or more")
	}
	if hi > textMaxLength {
		p.Fail("max", "maximum length must be %d or less: Home Assistant refuses it", textMaxLength)
	}
	if lo > hi {
		p.Fail("max", "maximum length must be at least the minimum (%d)", lo)
	}
	pattern := p.String("pattern", "")
	var re *regexp.Regexp
	if pattern != "" {
		re = p.Regexp("pattern", pattern, false)
	}
	keys := map[string]any{"min": lo, "max": hi, "pattern": pattern}
	if m := checkChoice(p, "mode", "text mode", p.String("mode", "text"), []string{"text", "password"}); m == "password" {
		keys["mode"] = m
	}
	check := func(s string) error {
		if n := utf8.RuneCountInString(s); n < lo || n > hi {
			return fmt.Errorf("invalid text %q: length %d outside %d-%d", s, n, lo, hi)
		}
		if re != nil && !re.MatchString(s) {
			return fmt.Errorf("invalid text %q: does not match %s", s, pattern)
		}
		return nil
	}
	e := newEntity(cfg, res, p, component{
		name: "text", state: true, command: true,
		toState: func(v any, _ []byte) ([]byte, error) {
			s := engine.ToString(v)
			return []byte(s), check(s)
		},
		fromCommand: func(b []byte) (any, error) { return string(b), check(string(b)) },
	}, keys)
	return e, p.Err()
}
