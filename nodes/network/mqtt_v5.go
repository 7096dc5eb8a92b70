package network

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/flowgate/flowgate/engine"
)

// MQTT 5 message properties as Node-RED's mqtt nodes carry them in msg
// (msg.userProperties, msg.contentType, msg.responseTopic,
// msg.correlationData, msg.messageExpiryInterval, msg.payloadFormatIndicator,
// msg.topicAlias; received messages also msg.reasonString).

// mqttMsgProps reads the MQTT 5 properties of msg for publishing. Where
// Node-RED drops a property of the wrong type silently, it is an error
// naming the property (the message is not published).
func mqttMsgProps(m engine.Msg) (packets.Properties, error) {
	var p packets.Properties
	var errs []error
	bad := func(name, want string, v any) {
		errs = append(errs, fmt.Errorf("msg.%s must be %s, not %s", name, want, engine.TypeOf(v)))
	}
	if v, ok := m["userProperties"]; ok && v != nil {
		if o, isObj := engine.AsObject(v); isObj {
			p.User = mqttUserProps(o)
		} else {
			bad("userProperties", "an object", v)
		}
	}
	str := func(name string, dst *string) {
		if v, ok := m[name]; ok && v != nil {
			if s, isStr := v.(string); isStr {
				*dst = s
			} else {
				bad(name, "a string", v)
			}
		}
	}
	str("contentType", &p.ContentType)
	str("responseTopic", &p.ResponseTopic)
	if v, ok := m["correlationData"]; ok && v != nil {
		switch t := v.(type) {
		case []byte:
			p.CorrelationData = t
		case string:
			p.CorrelationData = []byte(t)
		default:
			bad("correlationData", "a Buffer or a string", v)
		}
	}
	if v, ok := m["messageExpiryInterval"]; ok && v != nil {
		n, err := mqttInt(v, 0, math.MaxUint32)
		if err != nil {
			errs = append(errs, fmt.Errorf("msg.messageExpiryInterval %w", err))
		}
		p.MessageExpiryInterval = uint32(n)
	}
	if v, ok := m["topicAlias"]; ok && v != nil {
		n, err := mqttInt(v, 1, math.MaxUint16)
		if err != nil {
			errs = append(errs, fmt.Errorf("msg.topicAlias %w", err))
		}
		p.TopicAlias = uint16(n)
	}
	if v, ok := m["payloadFormatIndicator"]; ok && v != nil {
		switch v {
		case true, "true":
			p.PayloadFormat, p.PayloadFormatFlag = 1, true
		case false, "false":
			p.PayloadFormat, p.PayloadFormatFlag = 0, true
		default:
			bad("payloadFormatIndicator", "a boolean", v)
		}
	}
	return p, errors.Join(errs...)
}

// mqttInt reads an integer property in [lo, hi] given as a number or a
// numeric string (Node-RED parses it with parseInt).
func mqttInt(v any, lo, hi int64) (int64, error) {
	var f float64
	switch t := v.(type) {
	case float64:
		f = t
	case int:
		f = float64(t)
	case int64:
		f = float64(t)
	case string:
		n, err := strconv.ParseFloat(strings.TrimSpace(t), 64)
		if err != nil {
			return 0, fmt.Errorf("must be a number, not %q", t)
		}
		f = n
	default:
		return 0, fmt.Errorf("must be a number, not %s", engine.TypeOf(v))
	}
	n := int64(f)
	if f != math.Trunc(f) || n < lo || n > hi {
		return 0, fmt.Errorf("must be a whole number from %d to %d, not %v", lo, hi, v)
	}
	return n, nil
}

// mqttUserProps converts Node-RED's user properties object: strings as
// they are, other values as JSON, null dropped; in key order.
func mqttUserProps(o *engine.Object) []packets.UserProperty {
	var out []packets.UserProperty
	for _, k := range o.Keys() {
		switch v := o.Value(k).(type) {
		case nil:
		case string:
			out = append(out, packets.UserProperty{Key: k, Val: v})
		default:
			s, err := engine.JSONString(v, "")
			if err != nil {
				continue
			}
			out = append(out, packets.UserProperty{Key: k, Val: s})
		}
	}
	return out
}

// mqttUserPropsJSON parses a user properties property given as JSON text
// (mqtt-broker's and mqtt out's userProps).
func mqttUserPropsJSON(s string) ([]packets.UserProperty, error) {
	v, err := engine.DecodeJSON([]byte(s))
	if err != nil {
		return nil, fmt.Errorf("user properties are not valid JSON: %w", err)
	}
	o, ok := engine.AsObject(v)
	if !ok {
		return nil, errors.New("user properties must be a JSON object")
	}
	return mqttUserProps(o), nil
}

// mqttLWTProps reads the MQTT 5 properties of a birth, close or will
// message (birthMsg, closeMsg, willMsg: respTopic, correl, expiry,
// contentType, userProps, delay).
func mqttLWTProps(o *engine.Object) (packets.Properties, error) {
	var p packets.Properties
	var errs []error
	if s, ok := o.Value("contentType").(string); ok {
		p.ContentType = s
	}
	if s, ok := o.Value("respTopic").(string); ok {
		p.ResponseTopic = s
	}
	if s, ok := o.Value("correl").(string); ok && s != "" {
		p.CorrelationData = []byte(s)
	}
	num := func(name string, dst *uint32) {
		v := o.Value(name)
		if v == nil || v == "" {
			return
		}
		n, err := mqttInt(v, 0, math.MaxUint32)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s %w", name, err))
		}
		*dst = uint32(n)
	}
	num("expiry", &p.MessageExpiryInterval)
	num("delay", &p.WillDelayInterval)
	switch up := o.Value("userProps").(type) {
	case string:
		if strings.HasPrefix(strings.TrimSpace(up), "{") {
			props, err := mqttUserPropsJSON(up)
			if err != nil {
				errs = append(errs, err)
			}
			p.User = props
		}
	case *engine.Object:
		p.User = mqttUserProps(up)
	}
	return p, errors.Join(errs...)
}

// mqttSetMsgProps puts the MQTT 5 properties of a received message in msg
// as Node-RED's subscriptionHandler does: only those present.
func mqttSetMsgProps(m engine.Msg, p *packets.Properties) {
	if p.ResponseTopic != "" {
		m["responseTopic"] = p.ResponseTopic
	}
	if len(p.CorrelationData) > 0 {
		m["correlationData"] = slices.Clone(p.CorrelationData)
	}
	if p.ContentType != "" {
		m["contentType"] = p.ContentType
	}
	if p.MessageExpiryInterval > 0 {
		m["messageExpiryInterval"] = float64(p.MessageExpiryInterval)
	}
	if p.PayloadFormatFlag {
		m["payloadFormatIndicator"] = p.PayloadFormat == 1
	}
	if p.ReasonString != "" {
		m["reasonString"] = p.ReasonString
	}
	if len(p.User) > 0 {
		m["userProperties"] = mqttUserPropsObject(p.User)
	}
}

// mqttUserPropsObject is MQTT.js's user properties object: a key given
// more than once holds the array of its values, which Node-RED turns to
// its JSON text.
func mqttUserPropsObject(user []packets.UserProperty) *engine.Object {
	o := engine.NewObject(len(user))
	multi := map[string][]any{}
	for _, u := range user {
		if prev, ok := multi[u.Key]; ok {
			multi[u.Key] = append(prev, u.Val)
			continue
		}
		multi[u.Key] = []any{u.Val}
		o.Set(u.Key, u.Val)
	}
	for k, vs := range multi {
		if len(vs) > 1 {
			s, _ := engine.JSONString(vs, "")
			o.Set(k, s)
		}
	}
	return o
}
