package hardware

import (
	"bytes"
	"strconv"

	"github.com/flowgate/flowgate/engine"
	"github.com/flowgate/flowgate/hw"
)

// pin2bcm is node-red-node-pi-gpio's table from the 40-pin header's
// physical pins to BCM GPIO numbers (36-rpi-gpio.js, 2.0.3), keyed like
// the JavaScript object: by the pin's text. Pins 27 and 28 (ID_SD, ID_SC,
// the HAT EEPROM's bus) are not in it, nor are power and ground pins.
var pin2bcm = map[string]string{
	"3": "2", "5": "3", "7": "4", "8": "14", "10": "15", "11": "17", "12": "18", "13": "27",
	"15": "22", "16": "23", "18": "24", "19": "10", "21": "9", "22": "25", "23": "11", "24": "8", "26": "7",
	"29": "5", "31": "6", "32": "12", "33": "13", "35": "19", "36": "16", "37": "26", "38": "20", "40": "21",
}

// gpioPin is a GPIO node's pin: its BCM number and the text Node-RED puts
// after "gpio/" in msg.topic.
type gpioPin struct {
	bcm  int
	name string
}

// readPin reads the pin and bcm properties as node-red-node-pi-gpio does,
// `(n.bcm === true) ? n.pin : pin2bcm[n.pin]`: pin is a BCM number only
// when bcm is the JSON value true; when bcm is absent, false or anything
// else (flows from before the editor wrote bcm, or written by hand), pin
// is a physical header pin, so "11" is GPIO17. A BCM pin also takes the
// names hw.ParsePin reads ("GPIO17"). Problems are field errors (deploy
// warnings), where Node-RED warns "invalid pin" and leaves the pin alone.
func readPin(p *engine.Props) gpioPin {
	s := p.String("pin", "")
	if bytes.Equal(bytes.TrimSpace(p.Raw("bcm")), []byte("true")) {
		if s == "" {
			p.Fail("pin", "pin is required")
			return gpioPin{bcm: -1}
		}
		bcm, err := hw.ParsePin(s)
		if err != nil {
			p.Fail("pin", "%v", err)
			return gpioPin{bcm: -1}
		}
		return gpioPin{bcm: bcm, name: s}
	}
	name, ok := pin2bcm[s]
	if !ok {
		p.Fail("pin", "invalid pin %q: with bcm not true, pin is a physical header pin (node-red-node-pi-gpio), and %q is not a GPIO pin of the 40-pin header", s, s)
		return gpioPin{bcm: -1}
	}
	bcm, _ := strconv.Atoi(name)
	return gpioPin{bcm: bcm, name: name}
}
