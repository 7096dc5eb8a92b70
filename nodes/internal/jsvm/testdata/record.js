// record.js runs every expression of builtins.txt (one a line; `d` is
// 2026-01-15T13:05:09Z) in Node.js and writes builtins.json with Node's
// answers, which TestBuiltinsAsNode replays against Flowgate:
//   TZ=UTC node nodes/internal/jsvm/testdata/record.js
'use strict';
const fs = require('fs');
const path = require('path');
const util = require('util');
const lines = fs.readFileSync(path.join(__dirname, 'builtins.txt'), 'utf8').split('\n').filter((l) => l.trim() && !l.startsWith('#'));
const d = new Date(Date.UTC(2026, 0, 15, 13, 5, 9));
const out = lines.map((code) => {
  let node;
  try {
    // eslint-disable-next-line no-new-func
    node = String(new Function('d', 'util', 'return (' + code + ');')(d, util));
  } catch (e) {
    node = 'throws ' + e.name + ': ' + e.message;
  }
  return { code, node };
});
fs.writeFileSync(path.join(__dirname, 'builtins.json'), JSON.stringify({ node: process.version, cases: out }, null, 1) + '\n');
