package hw

import (
	"encoding/binary"
	"fmt"
	"time"

	"periph.io/x/conn/v3/i2c"
)

// BME280 registers (Bosch BME280 datasheet, section 5.3).
const (
	bmeRegCalib1   = 0x88 // 26 bytes: T1-T3, P1-P9, (reserved), H1 at 0xa1
	bmeRegChipID   = 0xd0
	bmeRegCalib2   = 0xe1 // 7 bytes: H2-H6
	bmeRegCtrlHum  = 0xf2
	bmeRegStatus   = 0xf3
	bmeRegCtrlMeas = 0xf4
	bmeRegData     = 0xf7 // 8 bytes: press[3] temp[3] hum[2]
	bmeChipID      = 0x60
)

// Env is one BME280 reading.
type Env struct {
	Temperature float64 // degrees Celsius
	Pressure    float64 // pascals
	Humidity    float64 // percent relative humidity
}

// BME280 reads a Bosch BME280 over I2C in forced mode with 1x
// oversampling. periph.io's bmxx80 driver lives in periph.io/x/devices,
// a module Flowgate does not depend on; this is the datasheet's
// floating-point compensation.
type BME280 struct {
	dev   i2c.Dev
	calib bmeCalib
	wait  func(time.Duration) // sleeps while the sensor converts
}

type bmeCalib struct {
	t1         uint16
	t2, t3     int16
	p1         uint16
	p2, p3, p4 int16
	p5, p6, p7 int16
	p8, p9     int16
	h1, h3     uint8
	h2, h4, h5 int16
	h6         int8
}

// NewBME280 checks the chip id at addr on bus and reads its calibration.
func NewBME280(bus i2c.Bus, addr uint16) (*BME280, error) {
	s := &BME280{dev: i2c.Dev{Bus: bus, Addr: addr}, wait: time.Sleep}
	var id [1]byte
	if err := s.dev.Tx([]byte{bmeRegChipID}, id[:]); err != nil {
		return nil, err
	}
	if id[0] != bmeChipID {
		return nil, fmt.Errorf("device at 0x%02x is not a BME280 (chip id 0x%02x)", addr, id[0])
	}
	var c1 [26]byte
	var c2 [7]byte
	if err := s.dev.Tx([]byte{bmeRegCalib1}, c1[:]); err != nil {
		return nil, err
	}
	if err := s.dev.Tx([]byte{bmeRegCalib2}, c2[:]); err != nil {
		return nil, err
	}
	u := func(b []byte) uint16 { return binary.LittleEndian.Uint16(b) }
	i := func(b []byte) int16 { return int16(binary.LittleEndian.Uint16(b)) }
	s.calib = bmeCalib{
		t1: u(c1[0:]), t2: i(c1[2:]), t3: i(c1[4:]),
		p1: u(c1[6:]), p2: i(c1[8:]), p3: i(c1[10:]), p4: i(c1[12:]), p5: i(c1[14:]),
		p6: i(c1[16:]), p7: i(c1[18:]), p8: i(c1[20:]), p9: i(c1[22:]),
		h1: c1[25],
		h2: i(c2[0:]), h3: c2[2],
		h4: int16(int8(c2[3]))<<4 | int16(c2[4]&0x0f),
		h5: int16(int8(c2[5]))<<4 | int16(c2[4]>>4),
		h6: int8(c2[6]),
	}
	return s, nil
}

// Sense triggers one forced-mode conversion and returns it.
func (s *BME280) Sense() (Env, error) {
	// Humidity oversampling must be written before ctrl_meas to apply.
	if err := s.dev.Tx([]byte{bmeRegCtrlHum, 0x01}, nil); err != nil {
		return Env{}, err
	}
	if err := s.dev.Tx([]byte{bmeRegCtrlMeas, 1<<5 | 1<<2 | 0x01}, nil); err != nil {
		return Env{}, err
	}
	var st [1]byte
	for range 10 {
		s.wait(2 * time.Millisecond) // 1x oversampling of all three: ~8 ms at most
		if err := s.dev.Tx([]byte{bmeRegStatus}, st[:]); err != nil {
			return Env{}, err
		}
		if st[0]&0x08 == 0 {
			break
		}
	}
	var d [8]byte
	if err := s.dev.Tx([]byte{bmeRegData}, d[:]); err != nil {
		return Env{}, err
	}
	adcP := int32(d[0])<<12 | int32(d[1])<<4 | int32(d[2])>>4
	adcT := int32(d[3])<<12 | int32(d[4])<<4 | int32(d[5])>>4
	adcH := int32(d[6])<<8 | int32(d[7])
	return s.calib.compensate(adcT, adcP, adcH), nil
}

// compensate is the datasheet's double-precision compensation (section 8.1).
func (c *bmeCalib) compensate(adcT, adcP, adcH int32) Env {
	var e Env
	v1 := (float64(adcT)/16384 - float64(c.t1)/1024) * float64(c.t2)
	x := float64(adcT)/131072 - float64(c.t1)/8192
	v2 := x * x * float64(c.t3)
	tFine := v1 + v2
	e.Temperature = tFine / 5120

	v1 = tFine/2 - 64000
	v2 = v1 * v1 * float64(c.p6) / 32768
	v2 += v1 * float64(c.p5) * 2
	v2 = v2/4 + float64(c.p4)*65536
	v1 = (float64(c.p3)*v1*v1/524288 + float64(c.p2)*v1) / 524288
	v1 = (1 + v1/32768) * float64(c.p1)
	if v1 != 0 {
		p := 1048576 - float64(adcP)
		p = (p - v2/4096) * 6250 / v1
		v1 = float64(c.p9) * p * p / 2147483648
		v2 = p * float64(c.p8) / 32768
		e.Pressure = p + (v1+v2+float64(c.p7))/16
	}

	h := tFine - 76800
	h = (float64(adcH) - (float64(c.h4)*64 + float64(c.h5)/16384*h)) *
		(float64(c.h2) / 65536 * (1 + float64(c.h6)/67108864*h*(1+float64(c.h3)/67108864*h)))
	h *= 1 - float64(c.h1)*h/524288
	e.Humidity = min(max(h, 0), 100)
	return e
}

// NewSimBME280 returns a simulated BME280: chip id 0x60, the datasheet's
// example calibration and a fixed reading of 25.08 °C and 1006.53 hPa
// (the datasheet's worked example) and about 47 % humidity.
func NewSimBME280() *Registers {
	d := &Registers{ReadOnly: map[byte]bool{bmeRegChipID: true, bmeRegStatus: true}}
	d.Map[bmeRegChipID] = bmeChipID
	calib := []uint16{
		27504, 26435, uint16(0xffff - 1000 + 1), // T1 T2 T3=-1000
		36477, uint16(0x10000 - 10685), 3024, 2855, 140, uint16(0x10000 - 7), 15500, uint16(0x10000 - 14600), 6000, // P1-P9
	}
	for i, v := range calib {
		binary.LittleEndian.PutUint16(d.Map[bmeRegCalib1+2*i:], v)
	}
	d.Map[0xa1] = 75                                         // H1
	binary.LittleEndian.PutUint16(d.Map[0xe1:], 362)         // H2
	d.Map[0xe3] = 0                                          // H3
	d.Map[0xe4], d.Map[0xe5], d.Map[0xe6] = 0x13, 0x29, 0x03 // H4=313 H5=50
	d.Map[0xe7] = 30                                         // H6
	const adcP, adcT, adcH = 415148, 519888, 0x6a00
	d.Map[0xf7], d.Map[0xf8], d.Map[0xf9] = byte(adcP>>12), byte(adcP>>4&0xff), byte(adcP<<4&0xf0)
	d.Map[0xfa], d.Map[0xfb], d.Map[0xfc] = byte(adcT>>12), byte(adcT>>4&0xff), byte(adcT<<4&0xf0)
	d.Map[0xfd], d.Map[0xfe] = byte(adcH>>8), byte(adcH&0xff)
	return d
}
