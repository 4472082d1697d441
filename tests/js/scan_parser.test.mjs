// Every barcode in the shared corpus reads on the device exactly as the corpus says.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { SCAN_FIELDS, parseScan } from "../../static/js/scan/gs1.js";

const corpus = JSON.parse(readFileSync(new URL("../data/barcodes.json", import.meta.url), "utf8"));

for (const { name, raw, expect } of corpus) {
  test(`device reads corpus case: ${name}`, () => {
    assert.deepEqual(parseScan(raw), expect);
  });
}

test("a reading has exactly the corpus fields, in order", () => {
  assert.deepEqual(Object.keys(parseScan("SYR-10ML")), SCAN_FIELDS);
  for (const { expect } of corpus) assert.deepEqual(Object.keys(expect), SCAN_FIELDS);
});

test("anything that is not a string reads as invalid instead of throwing", () => {
  for (const raw of [undefined, null, 42, {}, []]) {
    assert.equal(parseScan(raw).kind, "invalid");
  }
});

test("a dropped separator is reported, not guessed", () => {
  const scan = parseScan("01095060001343521726123110LOT4221SN9");
  assert.equal(scan.lot, null);
  assert.equal(scan.serial, null);
  assert.equal(scan.ambiguous, "(10)LOT4221SN9");
});
