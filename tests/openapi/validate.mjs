// validate.mjs -- validates the admin API's OpenAPI document
// (src/api/openapi.json, served at GET /api/v1/openapi.json) with a
// maintained validator, @seriousme/openapi-schema-validator, installed by
// contrib/run-tests.sh with `npm ci` from the committed package-lock.json.
// That the document lists exactly the router's routes is checked by
// tests/integration/test_openapi.py against the running daemon.
// Usage: node validate.mjs DOCUMENT; prints "openapi: N passed, N failed".
import { readFileSync } from "node:fs";
import { Validator } from "@seriousme/openapi-schema-validator";

const file = process.argv[2] ?? new URL("../../src/api/openapi.json", import.meta.url).pathname;
let passed = 0, failed = 0;
function check(name, ok, detail) {
  if (ok) { passed++; console.log(`ok      ${name}`); }
  else { failed++; console.log(`FAIL    ${name}${detail ? ": " + detail : ""}`); }
}

const doc = JSON.parse(readFileSync(file, "utf8"));
const validator = new Validator();
const res = await validator.validate(structuredClone(doc));
check("the document is a valid OpenAPI description", res.valid, JSON.stringify(res.errors, null, 1));
check("it is OpenAPI 3.1", validator.version === "3.1", `version ${validator.version}`);
let resolved = null;
try { resolved = validator.resolveRefs(); } catch (e) { resolved = null; check("every $ref resolves", false, e.message); }
if (resolved) check("every $ref resolves", JSON.stringify(resolved).indexOf('"$ref"') < 0, "a $ref is left");
// The validator rejects what it should: a copy with a parameter in no place.
const broken = structuredClone(doc);
broken.components.parameters.limit.in = "nowhere";
const bad = await new Validator().validate(broken);
check("a broken copy is rejected (the validator is awake)", !bad.valid);

console.log(`openapi: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
