// The Receive screen's arithmetic on the device, pinned: expiry said at scan time, what a scan still needs, expected
// against received in words, and the lines a check-in makes (what fits on the receipt, what goes to the supervisor).
import assert from "node:assert/strict";
import { test } from "node:test";
import { expiryState, receiptDifference, receiveView, receivingLines } from "../../static/js/receipt.js";

const NOW = new Date(2026, 10, 23, 10, 0);

test("expired, soon (within 90 days) or fine, by the device's own day", () => {
  assert.equal(expiryState("2026-11-22", NOW), "expired");
  assert.equal(expiryState("2026-11-23", NOW), "soon");
  assert.equal(expiryState("2027-02-21", NOW), "soon");
  assert.equal(expiryState("2027-02-22", NOW), "");
  assert.equal(expiryState("", NOW), "");
});

test("a lot-tracked scan without its lot asks for it; a pack counts its units", () => {
  const view = receiveView({ tracking: "lot", lot: "", serial: "", expiry: "", pack_qty: 100, ambiguous: "" }, NOW);
  assert.equal(view.needs_lot, "yes");
  assert.equal(view.units, "100");
  assert.equal(receiveView({ tracking: "lot", lot: "A1", expiry: "2026-12-01", pack_qty: 1 }, NOW).needs_lot, "");
  assert.equal(receiveView({ tracking: "serial", serial: "", pack_qty: 1 }, NOW).needs_serial, "yes");
  assert.equal(receiveView({ tracking: "none", expiry: "2026-11-01", pack_qty: 1 }, NOW).expired, "yes");
});

test("expected against received, in words", () => {
  assert.deepEqual(receiptDifference(300, 0), { state: "missing", note: "None yet: 300 expected" });
  assert.deepEqual(receiptDifference(300, 201), { state: "short", note: "99 short: left on a backorder" });
  assert.deepEqual(receiptDifference(200, 200), { state: "complete", note: "As expected" });
  assert.deepEqual(receiptDifference(200, 250), { state: "over", note: "50 over what was ordered" });
  assert.deepEqual(receiptDifference(0, 3, true), { state: "extra", note: "Not on the receipt: 3 received" });
});

test("what fits the receipt goes on it lot by lot; the rest, and what it does not list, goes to the supervisor", () => {
  const { onReceipt, extras } = receivingLines({
    receipt: "WH/IN/00042",
    expected: [{ ref: "SYR-10ML", qty: 150 }, { ref: "GLV-N-M", qty: 200 }],
    entries: [
      { ref: "SYR-10ML", units: 100, lot: "A", expiry: "2028-01-31" },
      { ref: "SYR-10ML", units: 100, lot: "B", expiry: "2028-02-29" },
      { ref: "GLV-N-M", units: 200 },
      { ref: "SYR-10ML", units: 1, lot: "A", expiry: "2028-01-31" },
      { ref: "BAN-5CM", units: 12 },
    ],
  });
  assert.deepEqual(onReceipt, [
    { product: "SYR-10ML", qty: 100, receipt: "WH/IN/00042", lot: "A", expiry: "2028-01-31" },
    { product: "SYR-10ML", qty: 50, receipt: "WH/IN/00042", lot: "B", expiry: "2028-02-29" },
    { product: "GLV-N-M", qty: 200, receipt: "WH/IN/00042" },
  ]);
  assert.deepEqual(extras, [
    { product: "SYR-10ML", qty: 50, receipt: "WH/IN/00042", lot: "B", expiry: "2028-02-29" },
    { product: "SYR-10ML", qty: 1, receipt: "WH/IN/00042", lot: "A", expiry: "2028-01-31" },
    { product: "BAN-5CM", qty: 12, receipt: "WH/IN/00042" },
  ]);
});
