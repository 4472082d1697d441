// What the Receive screen computes on the device, pure (no page, no storage) so node's test runner pins it: the
// expiry said at scan time, the scanned item as the fragment shows it, expected against received in words, and the
// action lines a check-in makes (the same rules as pwa/receiving.py).

import { number } from "./orders.js";

export const EXPIRY_WARNING_DAYS = 90; // pwa/receiving.py EXPIRY_WARNING_DAYS

// YYYY-MM-DD of the device's own day, and of that day plus n days.
export function isoDay(now = new Date(), plusDays = 0) {
  const day = new Date(now.getFullYear(), now.getMonth(), now.getDate() + plusDays);
  const pad = (n) => String(n).padStart(2, "0");
  return `${day.getFullYear()}-${pad(day.getMonth() + 1)}-${pad(day.getDate())}`;
}

// pwa/receiving.py expiry_state
export function expiryState(expiry, now = new Date()) {
  if (!expiry) return "";
  if (expiry < isoDay(now)) return "expired";
  if (expiry <= isoDay(now, EXPIRY_WARNING_DAYS)) return "soon";
  return "";
}

// pwa/receiving.py receive_view
export function receiveView(item, now = new Date()) {
  const state = expiryState(item.expiry, now);
  return { ...item, units: number(item.pack_qty), expired: state === "expired" ? "yes" : "",
           expires_soon: state === "soon" ? "yes" : "",
           needs_lot: item.tracking === "lot" && !item.lot && !item.ambiguous ? "yes" : "",
           needs_serial: item.tracking === "serial" && !item.serial && !item.ambiguous ? "yes" : "" };
}

// Expected against received for one product of a receipt, in words (never colour alone).
export function receiptDifference(expected, received, extra = false) {
  if (extra) return { state: "extra", note: `Not on the receipt: ${number(received)} received` };
  const gap = received - expected;
  if (gap === 0) return { state: "complete", note: "As expected" };
  if (received === 0) return { state: "missing", note: `None yet: ${number(expected)} expected` };
  if (gap < 0) return { state: "short", note: `${number(-gap)} short: left on a backorder` };
  return { state: "over", note: `${number(gap)} over what was ordered` };
}

// The action lines of a check-in: per product, what came up to what the receipt expects goes on the receipt;
// what came over it, or of a product it does not list, goes on a second action for the supervisor.
export function receivingLines({ expected, entries, receipt }) {
  const room = {};
  for (const line of expected) room[line.ref] = (room[line.ref] || 0) + Number(line.qty);
  const onReceipt = [];
  const extras = [];
  const line = (entry, units) => {
    const made = { product: entry.ref, qty: units, receipt };
    if (entry.lot) made.lot = entry.lot;
    if (entry.serial) made.serial = entry.serial;
    if (entry.expiry) made.expiry = entry.expiry;
    return made;
  };
  for (const entry of entries) {
    const fits = Math.min(entry.units, Math.max(0, room[entry.ref] || 0));
    if (fits > 0) {
      onReceipt.push(line(entry, fits));
      room[entry.ref] -= fits;
    }
    if (entry.units - fits > 0) extras.push(line(entry, entry.units - fits));
  }
  return { onReceipt: merge(onReceipt), extras: merge(extras) };
}

// Lines of one product, lot, serial and expiry become one.
function merge(lines) {
  const merged = new Map();
  for (const line of lines) {
    const key = [line.product, line.lot || "", line.serial || "", line.expiry || ""].join("|");
    if (merged.has(key)) merged.get(key).qty += line.qty;
    else merged.set(key, { ...line });
  }
  return [...merged.values()];
}
