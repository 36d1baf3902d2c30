// Validates manifests against a JSON Schema with ajv (draft-07, strict
// mode), reading each file as YAML 1.2 (as yaml-language-server does) and
// as YAML 1.1 (as kubectl does), with the `ajv` and `yaml` packages that
// yaml-language-server ships.
//
// Usage: node schema-check.js NODE_MODULES SCHEMA FILE...
// Prints one JSON line per file and YAML version:
//   {"file": ..., "yaml": "1.2", "valid": true|false, "errors": [...]}
// Exits 2 when the schema itself does not compile.
'use strict';
const fs = require('fs');
const path = require('path');
const [modules, schemaPath, ...files] = process.argv.slice(2);
const Ajv = require(path.join(modules, 'ajv'));
const YAML = require(path.join(modules, 'yaml'));

const ajv = new Ajv({ strict: true, strictRequired: false, allErrors: true, allowUnionTypes: true });
// The editor keywords yaml-language-server reads.
ajv.addVocabulary(['markdownDescription', 'markdownEnumDescriptions', 'doNotSuggest']);
let validate;
try {
  validate = ajv.compile(JSON.parse(fs.readFileSync(schemaPath, 'utf8')));
} catch (e) {
  console.error(`schema-check: the schema does not compile: ${e.message}`);
  process.exit(2);
}
for (const file of files) {
  const text = fs.readFileSync(file, 'utf8');
  for (const version of ['1.2', '1.1']) {
    let data;
    try {
      const doc = YAML.parseDocument(text, { version, merge: true, uniqueKeys: false });
      if (doc.errors.length > 0) throw doc.errors[0];
      data = doc.toJS({ maxAliasCount: -1 });
    } catch (e) {
      console.log(JSON.stringify({ file, yaml: version, valid: false, parse_error: String(e.message).slice(0, 200) }));
      continue;
    }
    const valid = validate(data);
    const errors = (validate.errors || []).map((e) => ({ path: e.instancePath, keyword: e.keyword, message: e.message }));
    console.log(JSON.stringify({ file, yaml: version, valid, errors: errors.slice(0, 20) }));
  }
}
