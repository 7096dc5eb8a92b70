// Package jsonschema validates values against a JSON Schema as Node-RED's
// json node does with ajv 8 ({allErrors: true}, draft-07 with draft-06
// added, strict mode): the same keywords, the same errors in the same order
// and shape ({instancePath, schemaPath, keyword, params, message}), and a
// compile error where ajv refuses a schema (an unknown keyword or format, an
// unknown $schema). It imports engine only.
package jsonschema
