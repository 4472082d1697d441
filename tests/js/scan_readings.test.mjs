// A scan whose separator the scanner dropped: the readings the screens offer the user to choose from.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { ambiguousReadings, parseScan } from "../../static/js/scan/gs1.js";

const corpus = JSON.parse(readFileSync(new URL("../data/barcodes.json", import.meta.url), "utf8"));
const pick = (readings, ...names) => readings.map((r) => names.map((name) => r[name]));

test("a lot run into a serial reads whole first, then split", () => {
  const readings = ambiguousReadings(parseScan("]d201095060001343521726123110LOT4221SN9"));
  assert.deepEqual(pick(readings, "lot", "serial", "expiry", "gtin"), [
    ["LOT4221SN9", null, "2026-12-31", "09506000134352"],
    ["LOT42", "SN9", "2026-12-31", "09506000134352"],
  ]);
});

test("a lot run into an expiry offers the expiry", () => {
  const readings = ambiguousReadings(parseScan("010950600013435210ABC17261231"));
  assert.deepEqual(pick(readings, "lot", "expiry"), [["ABC17261231", null], ["ABC", "2026-12-31"]]);
});

test("a clear scan has no readings to choose from", () => {
  assert.deepEqual(ambiguousReadings(parseScan("]d201095060001343521726123110LOT123\x1d21SN0042")), []);
  assert.deepEqual(ambiguousReadings(parseScan("SYR-10ML")), []);
});

for (const { name, raw, expect } of corpus.filter((c) => c.expect.ambiguous)) {
  test(`every reading of corpus case ${name} keeps what was read for certain`, () => {
    const readings = ambiguousReadings(parseScan(raw));
    assert.ok(readings.length >= 2);
    for (const reading of readings) {
      for (const [field, value] of Object.entries(reading)) if (expect[field] !== null) assert.equal(value, expect[field]);
    }
  });
}
