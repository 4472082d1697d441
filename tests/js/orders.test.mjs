// The ward's ordering arithmetic on the device: par suggestions in whole packs (the same rule as the server's
// pwa/requisition.py), where a requisition stands from its transfers, and a delivery checked against its transfer.
import assert from "node:assert/strict";
import { test } from "node:test";
import { arrivalLines, awaited, confirmationLines, orderUnit, parRows, requisitionState,
         suggestion } from "../../static/js/orders.js";

test("nothing is suggested above the minimum; at or below it, back up to the maximum in whole packs", () => {
  assert.equal(suggestion(10, 30, 11, 0, 1), 0);
  assert.equal(suggestion(10, 30, 10, 0, 1), 20);
  assert.equal(suggestion(10, 30, 4, 0, 12), 3);    // 26 units: three boxes of 12
  assert.equal(suggestion(10, 30, 4, 20, 12), 0);   // what is on its way counts
  assert.equal(suggestion(10, 30, 4, 2, 12), 2);    // 24 still needed: exactly two boxes
  assert.equal(suggestion(20, 60, 11, 0, 200), 1);  // a box of 200 gloves even for 49
});

test("an item is ordered by its smallest pack's barcode, or by itself", () => {
  assert.deepEqual(orderUnit({ ref: "SYR-10ML", uom: "Units", packs: [{ barcode: "C", qty: 1000 },
                                                                         { barcode: "B", qty: 100 }] }),
                   { code: "B", packQty: 100, label: "box of 100" });
  assert.deepEqual(orderUnit({ ref: "ETT-7.0MM", uom: "Units", packs: [] }),
                   { code: "ETT-7.0MM", packQty: 1, label: "units" });
});

test("the par list puts what to order first, sums lots on hand and counts what is awaited", () => {
  const products = {
    "BAN-5CM": { ref: "BAN-5CM", name: "Elastic bandage 5cm", uom: "Units", packs: [{ barcode: "17612340000734", qty: 12 }] },
    "GLV-N-M": { ref: "GLV-N-M", name: "Nitrile gloves M", uom: "Units", packs: [{ barcode: "17612340000161", qty: 200 }] },
    "OLD": { ref: "OLD", name: "Archived", uom: "Units", packs: [], active: false },
  };
  const pars = [{ ref: "GLV-N-M", min: 200, max: 600 }, { ref: "BAN-5CM", min: 6, max: 24 }, { ref: "OLD", min: 1, max: 2 }];
  const stock = [{ ref: "BAN-5CM", lot: null, qty: 3 }, { ref: "GLV-N-M", lot: null, qty: 150 },
                 { ref: "BAN-5CM", lot: null, qty: 1, active: false }];
  const rows = parRows({ pars, products, stock, onOrder: { "GLV-N-M": 200 } });
  assert.deepEqual(rows.map((row) => [row.ref, row.low, row.on_hand, row.on_order, row.product, row.suggested]), [
    ["BAN-5CM", true, "3", "", "17612340000734", 2],
    ["GLV-N-M", false, "150", "200", "17612340000161", 0],
  ]);
});

test("a requisition counts as awaited until a transfer names it; open transfers count, finished ones do not", () => {
  const now = Date.parse("2026-11-23T12:00:00Z");
  const transfers = [
    { name: "WH/INT/1", requisition: "r1", status: "on_its_way", lines: [{ ref: "BAN-5CM", qty: 24 }] },
    { name: "WH/INT/2", requisition: "r2", status: "arrived", lines: [{ ref: "BAN-5CM", qty: 12 }] },
  ];
  const requisitions = [
    { id: "r1", created_at: "2026-11-23T08:00:00Z", lines: [{ ref: "BAN-5CM", units: 24 }] },
    { id: "r3", created_at: "2026-11-23T11:00:00Z", lines: [{ ref: "BAN-5CM", units: 12 }, { ref: "X", units: 1 }] },
    { id: "r4", created_at: "2026-10-01T11:00:00Z", lines: [{ ref: "X", units: 5 }] },
  ];
  assert.deepEqual(awaited({ transfers, requisitions, now }), { "BAN-5CM": 36, X: 1 });
});

test("a requisition's state: on the tablet, refused, sent, then as far as its least advanced transfer", () => {
  assert.equal(requisitionState({ entry: { state: "pending" } }).label, "Waiting to send");
  assert.equal(requisitionState({ entry: { state: "failed", message: "No." } }).detail, "No.");
  assert.equal(requisitionState({ entry: { state: "sent" } }).key, "sent");
  assert.equal(requisitionState({ transfers: [{ status: "picked" }] }).label, "Picked");
  const part = requisitionState({ transfers: [{ status: "arrived" }, { status: "on_its_way" }, { status: "sent" }] });
  assert.deepEqual(part, { key: "sent", label: "Sent", detail: "Part arrived; the rest is sent." });
  assert.equal(requisitionState({ transfers: [{ status: "arrived" }, { status: "cancelled" }] }).label, "Arrived");
  assert.equal(requisitionState({ transfers: [{ status: "cancelled" }] }).label, "Cancelled");
});

test("a delivery: shortages and extras in words, the confirmation capped at what the transfer carries", () => {
  const rows = arrivalLines({ expected: [{ ref: "A", qty: 24 }, { ref: "B", qty: 200 }, { ref: "C", qty: 5 }],
                              received: { A: 20, B: 400, D: 1 } });
  assert.deepEqual(rows.map((row) => [row.ref, row.state, row.note]), [
    ["A", "short", "4 short"], ["B", "extra", "200 extra"], ["C", "missing", "None yet: 5 short"],
    ["D", "extra", "Not on the transfer: 1 extra"]]);
  assert.deepEqual(confirmationLines(rows), {
    confirmed: [{ product: "A", qty: 20 }, { product: "B", qty: 200 }],
    extras: [{ product: "B", qty: 200 }, { product: "D", qty: 1 }] });
});
