// Captures ajv.json: each schema and value validated by ajv 8 configured as
// Node-RED 4.1.15's json node configures it (core/parsers/70-JSON.js).
// Run with the ajv that Node-RED installs:
//   NODE_PATH=/path/to/node-red/node_modules node capture.js > ajv.json
const Ajv = require('ajv');
const ajv = new Ajv({allErrors: true});
ajv.addMetaSchema(require('ajv/lib/refs/json-schema-draft-06.json'));
const cases = [
 ["type", {type:"object",properties:{a:{type:"string"},b:{type:["number","null"]},c:{type:"integer"}}}, {a:1,b:"x",c:1.5}],
 ["required", {type:"object",required:["a","b"]}, {c:1}],
 ["numbers", {type:"object",properties:{min:{minimum:5},max:{maximum:5},xmin:{exclusiveMinimum:5},xmax:{exclusiveMaximum:5},mul:{multipleOf:2}}}, {min:1,max:9,xmin:5,xmax:5,mul:3}],
 ["strings", {properties:{s:{minLength:3},t:{maxLength:1},p:{pattern:"^a+$"}}}, {s:"ab",t:"xyz",p:"b"}],
 ["enum const", {properties:{e:{enum:["x","y"]},k:{const:3}}}, {e:"z",k:4}],
 ["additional", {type:"object",properties:{a:{}},additionalProperties:false}, {a:1,b:2,c:3}],
 ["arrays", {properties:{a:{type:"array",minItems:3,items:{type:"number"}},b:{maxItems:1},u:{uniqueItems:true}}}, {a:["x",2],b:[1,2],u:[1,2,1]}],
 ["anyOf", {anyOf:[{type:"string"},{type:"number"}]}, {}],
 ["oneOf", {oneOf:[{type:"number"},{minimum:0}]}, 5],
 ["nested", {properties:{a:{type:"array",items:{properties:{b:{type:"string"}}}}}}, {a:[{b:"ok"},{b:2}]}],
 ["valid", {type:"object",properties:{a:{type:"number"}}}, {a:1}],
 ["props count", {minProperties:2,maxProperties:3}, {a:1}],
 ["not", {not:{type:"number"}}, 1],
 ["draft-04", {"$schema":"http://json-schema.org/draft-04/schema#",type:"object"}, {}],
 ["draft-06", {"$schema":"http://json-schema.org/draft-06/schema#",type:"string"}, 1],
 ["unknown keyword", {type:"object",foo:1}, {}],
 ["format", {type:"string",format:"email"}, "x"],
 ["dependencies", {dependencies:{a:["b"]}}, {a:1}],
 ["if then", {if:{properties:{a:{const:1}}},then:{required:["b"]}}, {a:1}],
 ["propertyNames", {propertyNames:{maxLength:2}}, {abc:1}],
 ["contains", {contains:{type:"string"}}, [1]],
 ["oneOf none", {oneOf:[{type:"string"},{type:"boolean"}]}, 5],
 ["oneOf three pass", {oneOf:[{},{},{}]}, 5],
 ["oneOf two of three", {oneOf:[{type:"number"},{type:"string"},{minimum:1}]}, 5],
 ["unique scalars", {type:"array",items:{type:"number"},uniqueItems:true}, [1,2,1]],
 ["unique objects", {type:"array",uniqueItems:true}, [{a:1,b:2},3,{b:2,a:1}]],
 ["tuple", {type:"array",items:[{type:"string"},{type:"number"}],additionalItems:false}, [1,"x",3]],
 ["tuple more", {type:"array",items:[{type:"string"}],additionalItems:{type:"boolean"}}, ["a",true,1]],
 ["if else", {if:{type:"string"},then:{minLength:2},else:{type:"number",minimum:10}}, 5],
 ["patternProperties", {type:"object",patternProperties:{"^n_":{type:"number"}},additionalProperties:{type:"string"}}, {n_a:"x",b:1,n_c:2}],
 ["dependency schema", {type:"object",dependencies:{a:{required:["c"]},b:["c","d"]}}, {a:1,b:2}],
 ["false schema", {type:"object",properties:{a:false}}, {a:1}],
 ["recursive ref", {type:"object",properties:{name:{type:"string"},kids:{type:"array",items:{$ref:"#"}}}}, {name:"a",kids:[{name:1}]}],
 ["multiple types", {type:["string","null"],minLength:2}, "x"],
 ["type fails, keywords go on", {type:"string",minimum:5}, 1],
 ["ref", {definitions:{s:{type:"string"}},properties:{a:{$ref:"#/definitions/s"}}}, {a:1}],
];
const out = [];
for (const [name, schema, data] of cases) {
  let r = {name, schema, data};
  try { const v = ajv.compile(schema); r.valid = v(data); r.errors = v.errors; r.text = v.errors ? ajv.errorsText(v.errors) : null; }
  catch (e) { r.compileError = e.message; }
  out.push(r);
}
console.log(JSON.stringify(out, null, 1));
