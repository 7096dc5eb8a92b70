package hw

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
)

// API serves /api/hw: GET /api/hw shows the board, the notice of a
// simulator standing in for a Raspberry Pi's pins (why, and the fix), its
// pins and (on the simulator) its I2C devices; on the simulator, PUT /api/hw/pins/{bcm}
// with {"level":0|1} sets an input as a button would, and PUT
// /api/hw/i2c/{bus}/{addr} with {"inputs":n} sets the input levels of a
// PCF8574 expander.
type API struct {
	pins    *Pins
	maxBody int64
	mux     *http.ServeMux
}

// NewAPI returns the /api/hw handler over pins; request bodies are limited
// to maxBody bytes.
func NewAPI(pins *Pins, maxBody int64) *API {
	a := &API{pins: pins, maxBody: maxBody, mux: http.NewServeMux()}
	a.mux.HandleFunc("GET /api/hw", a.get)
	a.mux.HandleFunc("PUT /api/hw/pins/{bcm}", a.putPin)
	a.mux.HandleFunc("PUT /api/hw/i2c/{bus}/{addr}", a.putI2C)
	return a
}

// ServeHTTP implements http.Handler.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.mux.ServeHTTP(w, r) }

type apiPin struct {
	PinState
	Owner string `json:"owner,omitempty"`
}

type apiDevice struct {
	Address int    `json:"address"`
	Device  string `json:"device"`
	Inputs  *int   `json:"inputs,omitempty"`
	Outputs *int   `json:"outputs,omitempty"`
}

type apiBus struct {
	Bus     int         `json:"bus"`
	Devices []apiDevice `json:"devices"`
}

func (a *API) get(w http.ResponseWriter, _ *http.Request) {
	out := struct {
		Backend string   `json:"backend"`
		Notice  string   `json:"notice,omitempty"` // why the simulator stands in for a Pi's pins, and the fix
		Pins    []apiPin `json:"pins"`
		I2C     []apiBus `json:"i2c"`
	}{Backend: a.pins.board.Name(), Notice: a.pins.Notice(), Pins: []apiPin{}, I2C: []apiBus{}}
	if sim, ok := a.pins.board.(*Sim); ok {
		for _, p := range sim.pins {
			out.Pins = append(out.Pins, apiPin{PinState: p.State(), Owner: a.pins.Owner(p.num)})
		}
		for _, n := range sim.Buses() {
			bus := sim.Bus(n)
			ab := apiBus{Bus: n, Devices: []apiDevice{}}
			for _, addr := range bus.Addrs() {
				ab.Devices = append(ab.Devices, describe(bus, addr))
			}
			out.I2C = append(out.I2C, ab)
		}
	} else {
		a.pins.mu.Lock()
		for bcm, owner := range a.pins.owners {
			out.Pins = append(out.Pins, apiPin{PinState: PinState{BCM: bcm}, Owner: owner})
		}
		a.pins.mu.Unlock()
	}
	writeJSON(w, http.StatusOK, out)
}

func describe(bus *SimBus, addr uint16) apiDevice {
	bus.mu.Lock()
	defer bus.mu.Unlock()
	d := apiDevice{Address: int(addr), Device: "registers"}
	switch dev := bus.devs[addr].(type) {
	case *SimPCF8574:
		in, latch := int(dev.Inputs), int(dev.Latch)
		d.Device, d.Inputs, d.Outputs = "pcf8574", &in, &latch
	case *Registers:
		if dev.Map[bmeRegChipID] == bmeChipID {
			d.Device = "bme280"
		}
	}
	return d
}

func (a *API) sim(w http.ResponseWriter) *Sim {
	sim, ok := a.pins.board.(*Sim)
	if !ok {
		writeError(w, http.StatusConflict, "the "+a.pins.board.Name()+" board has real pins: only the simulator's can be set")
	}
	return sim
}

func (a *API) putPin(w http.ResponseWriter, r *http.Request) {
	sim := a.sim(w)
	if sim == nil {
		return
	}
	bcm, err := ParsePin(r.PathValue("bcm"))
	if err != nil || sim.SimPin(bcm) == nil {
		writeError(w, http.StatusNotFound, "no such pin: "+r.PathValue("bcm"))
		return
	}
	var body struct {
		Level *int `json:"level"`
	}
	if !a.decode(w, r, &body) {
		return
	}
	if body.Level == nil || (*body.Level != 0 && *body.Level != 1) {
		writeError(w, http.StatusBadRequest, "level must be 0 or 1")
		return
	}
	if err := sim.SimPin(bcm).SetInput(*body.Level == 1); err != nil {
		writeError(w, http.StatusConflict, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, apiPin{PinState: sim.SimPin(bcm).State(), Owner: a.pins.Owner(bcm)})
}

func (a *API) putI2C(w http.ResponseWriter, r *http.Request) {
	sim := a.sim(w)
	if sim == nil {
		return
	}
	n, err1 := strconv.Atoi(r.PathValue("bus"))
	addr, err2 := strconv.ParseUint(r.PathValue("addr"), 0, 7)
	if err1 != nil || err2 != nil {
		writeError(w, http.StatusNotFound, "no such device")
		return
	}
	if _, err := sim.I2C(n); err != nil {
		writeError(w, http.StatusNotFound, err.Error())
		return
	}
	bus := sim.Bus(n)
	exp, ok := bus.Device(uint16(addr)).(*SimPCF8574)
	if !ok {
		writeError(w, http.StatusNotFound, "no PCF8574 at that address")
		return
	}
	var body struct {
		Inputs *int `json:"inputs"`
	}
	if !a.decode(w, r, &body) {
		return
	}
	if body.Inputs == nil || *body.Inputs < 0 || *body.Inputs > 255 {
		writeError(w, http.StatusBadRequest, "inputs must be a byte (0-255)")
		return
	}
	bus.mu.Lock()
	exp.Inputs = byte(*body.Inputs)
	bus.mu.Unlock()
	writeJSON(w, http.StatusOK, describe(bus, uint16(addr)))
}

func (a *API) decode(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, a.maxBody)).Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeError(w, http.StatusRequestEntityTooLarge, "request body too large")
		} else {
			writeError(w, http.StatusBadRequest, "invalid JSON: "+err.Error())
		}
		return false
	}
	return true
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]string{"error": msg})
}
