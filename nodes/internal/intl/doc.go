// Package intl formats dates, numbers and lists for people, as
// ECMAScript's Intl does in Node.js 20 with full ICU, for the locales in
// locales.json.gz. That data is read from Node's own ICU by gen/capture.js
// (date patterns per field combination, month and weekday names, number
// symbols, percent and currency patterns, list patterns) and is decoded on
// first use. Collation and plural rules come from golang.org/x/text, time
// zones from the IANA database (time.LoadLocation).
//
// It imports the standard library and golang.org/x/text only.
package intl
