// What the ward's ordering screens compute on the device, pure (no page, no storage) so node's test runner pins it:
// the par list's suggestions (the same rule as pwa/requisition.py), where a requisition stands in Odoo, and what
// a delivery brought against what its transfer carries (Confirm arrival).

export const OPEN_STATUSES = ["sent", "picked", "on_its_way"];
export const STATUS_LABELS = { sent: "Sent", picked: "Picked", on_its_way: "On its way", arrived: "Arrived",
                               cancelled: "Cancelled" };
export const AWAITED_DAYS = 14; // pwa/transfers.py AWAITED_DAYS

// Python's f"{x:g}" for the quantities a ward sees (whole numbers, or a few decimals).
export function number(value) {
  return String(Math.round(Number(value) * 1000) / 1000);
}

// Order units to bring the shelf back to par: nothing above the minimum, else up to the maximum in whole packs.
export function suggestion(min, max, onHand, onOrder, packQty) {
  const have = onHand + onOrder;
  if (have > min) return 0;
  return Math.max(0, Math.ceil((max - have) / packQty - 1e-9));
}

// The smallest pack a product comes in: what a requisition orders it by (its barcode), or the product itself.
export function orderUnit(product) {
  const packs = (product.packs || []).filter((pack) => pack.qty > 1)
    .sort((a, b) => a.qty - b.qty || (a.barcode < b.barcode ? -1 : 1));
  if (packs.length) return { code: packs[0].barcode, packQty: packs[0].qty, label: `box of ${number(packs[0].qty)}` };
  return { code: product.ref, packQty: 1, label: String(product.uom || "units").toLowerCase() };
}

// The par list of a location (pwa/requisition.py par_rows): items to order first, then by name.
export function parRows({ pars, products, stock, onOrder }) {
  const onHand = {};
  for (const level of stock) {
    if (level.active === false) continue;
    onHand[level.ref] = (onHand[level.ref] || 0) + Number(level.qty);
  }
  const rows = [];
  for (const par of pars) {
    const product = products[par.ref];
    if (!product || product.active === false || par.active === false) continue;
    const unit = orderUnit(product);
    const have = onHand[par.ref] || 0;
    const ordered = onOrder[par.ref] || 0;
    const low = have + ordered <= par.min;
    rows.push({ ref: par.ref, name: product.name, min: number(par.min), max: number(par.max), on_hand: number(have),
                on_order: ordered ? number(ordered) : "", low, product: unit.code, pack_qty: unit.packQty,
                order_unit: unit.label, suggested: suggestion(par.min, par.max, have, ordered, unit.packQty) });
  }
  rows.sort((a, b) => Number(b.low) - Number(a.low) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return rows;
}

// The oldest time a location's stock figures were reported at (ISO), or "".
export function oldestStock(stock) {
  const times = stock.filter((level) => level.active !== false && level.as_of).map((level) => level.as_of);
  if (!times.length) return "";
  return times.reduce((oldest, time) => (Date.parse(time) < Date.parse(oldest) ? time : oldest));
}

// Units per product ordered and not arrived: open transfers' lines, plus requisitions (resolved to { ref, units }
// lines) of the last AWAITED_DAYS that no transfer names yet.
export function awaited({ transfers, requisitions, now = Date.now() }) {
  const totals = {};
  const add = (ref, units) => { totals[ref] = (totals[ref] || 0) + units; };
  const named = new Set(transfers.map((transfer) => transfer.requisition).filter(Boolean));
  for (const transfer of transfers) {
    if (transfer.active === false || !OPEN_STATUSES.includes(transfer.status)) continue;
    for (const line of transfer.lines || []) add(line.ref, Number(line.qty));
  }
  const since = now - AWAITED_DAYS * 24 * 3600 * 1000;
  for (const requisition of requisitions) {
    if (named.has(requisition.id) || Date.parse(requisition.created_at) < since) continue;
    for (const line of requisition.lines) add(line.ref, line.units);
  }
  return totals;
}

// Where a requisition stands, from its outbox entry (if made on this tablet) and the transfers Odoo made of it.
// { key, label, detail }: key is one of waiting, failed, sent, picked, on_its_way, arrived, cancelled.
export function requisitionState({ entry = null, transfers = [] }) {
  if (entry && entry.state === "pending") {
    return { key: "waiting", label: "Waiting to send", detail: "Kept on this tablet; it is sent when online." };
  }
  if (entry && entry.state === "failed") {
    return { key: "failed", label: "Not accepted", detail: entry.message || "The server did not accept it." };
  }
  const live = transfers.filter((transfer) => transfer.active !== false);
  if (!live.length) {
    return { key: "sent", label: "Sent", detail: "Odoo has not reported its transfer yet." };
  }
  const open = live.filter((transfer) => OPEN_STATUSES.includes(transfer.status));
  const arrived = live.filter((transfer) => transfer.status === "arrived");
  if (!open.length) {
    if (arrived.length) return { key: "arrived", label: "Arrived", detail: "" };
    return { key: "cancelled", label: "Cancelled", detail: "The store cancelled it in Odoo." };
  }
  // Several open transfers (a backorder): the requisition is as far as its least advanced part.
  const least = open.map((transfer) => transfer.status)
    .sort((a, b) => OPEN_STATUSES.indexOf(a) - OPEN_STATUSES.indexOf(b))[0];
  return { key: least, label: STATUS_LABELS[least],
           detail: arrived.length ? `Part arrived; the rest is ${STATUS_LABELS[least].toLowerCase()}.` : "" };
}

// A delivery checked against its transfer: per product what was expected, what arrived, and the difference in
// words (never colour alone). `received` maps ref -> units counted; refs not on the transfer are extras.
export function arrivalLines({ expected, received }) {
  const rows = expected.map((line) => ({ ...line, received: received[line.ref] || 0, extra: false }));
  const known = new Set(expected.map((line) => line.ref));
  for (const [ref, units] of Object.entries(received)) {
    if (!known.has(ref) && units > 0) rows.push({ ref, qty: 0, received: units, extra: true });
  }
  return rows.map((row) => ({ ...row, ...difference(row.qty, row.received, row.extra) }));
}

export function difference(expected, received, extra = false) {
  const gap = received - expected;
  if (extra) return { state: "extra", note: `Not on the transfer: ${number(received)} extra` };
  if (gap === 0) return { state: "complete", note: "As expected" };
  if (gap < 0 && received === 0) return { state: "missing", note: `None yet: ${number(-gap)} short` };
  if (gap < 0) return { state: "short", note: `${number(-gap)} short` };
  return { state: "extra", note: `${number(gap)} extra` };
}

// The lines of a transfer_confirm and, apart, the extras: the confirmation takes what the transfer carries (up to
// what it expects, so Odoo can validate it, leaving a backorder for what is short); what came on top of it or not on
// it at all is recorded as its own confirmation, for the supervisor to sort out with the store.
export function confirmationLines(rows) {
  const confirmed = [];
  const extras = [];
  for (const row of rows) {
    const taken = row.extra ? 0 : Math.min(row.qty, row.received);
    if (taken > 0) confirmed.push({ product: row.ref, qty: taken });
    if (row.received - taken > 0) extras.push({ product: row.ref, qty: row.received - taken });
  }
  return { confirmed, extras };
}
