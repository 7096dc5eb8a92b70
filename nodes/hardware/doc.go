// Package hardware holds the Raspberry Pi GPIO and I2C node types, with
// the type and property names of Node-RED's node-red-node-pi-gpio and
// node-red-contrib-i2c so that flows import: rpi-gpio in, rpi-gpio out,
// i2c in, i2c out, i2c scan, and the bme280 sensor node as the model for
// sensor nodes.
//
// Node types reach the hardware only through the hw.Board given to
// TypesWith (periph.io on a Pi, the simulator elsewhere, a fake in
// tests). It imports engine and hw.
package hardware
