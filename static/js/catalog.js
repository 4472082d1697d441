// The department's catalog on the device: products under every barcode, pack barcode and reference, locations,
// par levels, stock, open receipts and transfers, freezes. Filled from GET /api/v1/catalog (first everything, then
// deltas by cursor) so scans resolve offline. Runs in pages and in node's test runner.

import { openDB } from "../vendor/idb/index.js";
import { ambiguousReadings, parseScan } from "./scan/gs1.js";

export const CATALOG_DB = "ward-supply-catalog";
export const PAGE_SIZE = 10000;  // the API's largest page: fewer round trips on a first sync

// Each section of a catalog page, the store it fills and how a row is keyed (archived rows are dropped by key).
export const SECTIONS = {
  products: { store: "products", key: (row) => row.ref },
  locations: { store: "locations", key: (row) => row.code },
  par: { store: "par", key: (row) => `${row.location}|${row.ref}` },
  stock: { store: "stock", key: (row) => `${row.location}|${row.ref}|${row.lot || ""}` },
  receipts: { store: "receipts", key: (row) => row.id ?? row.ref ?? row.name },
  transfers: { store: "transfers", key: (row) => row.id ?? row.ref ?? row.name },
  freezes: { store: "freezes", key: (row) => row.id ?? row.session ?? row.location },
};

export async function openCatalog(name = CATALOG_DB) {
  return openDB(name, 1, {
    upgrade(db) {
      const products = db.createObjectStore("products", { keyPath: "key" });
      // Every code that names the product, so a scan is one index lookup.
      products.createIndex("codes", "codes", { unique: false, multiEntry: true });
      for (const { store } of Object.values(SECTIONS)) {
        if (store === "products") continue;
        const created = db.createObjectStore(store, { keyPath: "key" });
        if (store !== "locations") created.createIndex("location", "location");
      }
      db.createObjectStore("meta", { keyPath: "key" });
    },
  });
}

function productRecord(row) {
  const codes = [row.ref, ...(row.barcodes || []), ...(row.packs || []).map((pack) => pack.barcode)];
  return { ...row, key: row.ref, codes: [...new Set(codes.filter(Boolean))] };
}

async function metaValue(db, key, fallback = null) {
  const row = await db.get("meta", key);
  return row ? row.value : fallback;
}

export async function catalogState(db) {
  return { cursor: await metaValue(db, "cursor"), scope: await metaValue(db, "scope", []),
           synced_at: await metaValue(db, "synced_at"), count: await db.count("products") };
}

// Writes one page and its cursor in one transaction: an interrupted sync resumes from the last whole page.
export async function applyPage(db, page) {
  const stores = [...new Set(Object.values(SECTIONS).map((section) => section.store)), "meta"];
  const tx = db.transaction(stores, "readwrite");
  const writes = [];
  // `freezes` is always the server's whole list, never a delta: a count that ended must stop blocking the shelf.
  if (Array.isArray(page.freezes)) writes.push(tx.objectStore(SECTIONS.freezes.store).clear());
  for (const [name, section] of Object.entries(SECTIONS)) {
    const store = tx.objectStore(section.store);
    for (const row of page[name] || []) {
      const key = String(section.key(row));
      if (row.active === false) writes.push(store.delete(key));
      else writes.push(store.put(name === "products" ? productRecord(row) : { ...row, key }));
    }
  }
  writes.push(tx.objectStore("meta").put({ key: "cursor", value: page.cursor }));
  await Promise.all([...writes, tx.done]);
}

async function clearCatalog(db) {
  const stores = [...new Set(Object.values(SECTIONS).map((section) => section.store)), "meta"];
  const tx = db.transaction(stores, "readwrite");
  await Promise.all([...stores.map((store) => tx.objectStore(store).clear()), tx.done]);
}

// Pulls what changed since the last cursor; a user whose locations the device has not synced starts afresh.
export async function syncCatalog(db, { fetch = globalThis.fetch, token, scope = [], onPage = () => {},
                                        pageSize = PAGE_SIZE, endpoint = "/api/v1/catalog" } = {}) {
  const state = await catalogState(db);
  let cursor = state.cursor;
  if (cursor && !scope.every((code) => state.scope.includes(code))) {
    await clearCatalog(db);
    cursor = null;
  }
  const first = cursor === null;
  const fetchPage = async (since) => {
    const query = new URLSearchParams({ limit: String(pageSize) });
    if (since !== null) query.set("since", since);
    const response = await fetch(`${endpoint}?${query}`, {
      headers: { Authorization: `Bearer ${token}` }, credentials: "omit", cache: "no-store" });
    if (response.status === 400 && since !== null) return { restart: true };
    if (!response.ok) throw new Error(`catalog: HTTP ${response.status}`);
    return response.json();
  };
  let loaded = 0;
  let next = fetchPage(cursor);
  for (;;) {
    const page = await next;
    if (page.restart) {
      // A cursor this server never gave out (a restored database): start again from nothing.
      await clearCatalog(db);
      cursor = null;
      next = fetchPage(cursor);
      continue;
    }
    // The server builds the next page while this one is written: the two waits overlap.
    if (page.more) next = fetchPage(page.cursor);
    await applyPage(db, page);
    loaded += (page.products || []).length;
    cursor = page.cursor;
    onPage({ loaded, first, more: page.more });
    if (!page.more) break;
  }
  await db.put("meta", { key: "scope", value: first ? [...scope] : [...new Set([...state.scope, ...scope])] });
  await db.put("meta", { key: "synced_at", value: Date.now() });
  return { loaded, first, cursor };
}

function gtinForms(gtin) {
  const forms = [gtin, gtin.slice(1), gtin.slice(2)];
  if (gtin.startsWith("000000")) forms.push(gtin.slice(6));
  return forms;
}

// The codes a scan may be stored under, most specific first: the server's pwa/screens.py lookup_keys.
export function lookupKeys(raw) {
  const scan = parseScan(raw);
  if (scan.kind === "invalid") return [];
  const keys = scan.gtin ? gtinForms(scan.gtin) : [];
  if (scan.code && !keys.includes(scan.code)) keys.push(scan.code);
  return keys.filter((key) => key.length <= 64);
}

function packLabel(packQty, uom) {
  return packQty !== 1 ? `pack of ${packQty} ${String(uom).toLowerCase()}` : "";
}

// The readings of an ambiguous scan as the item fragment offers them: the server's reading_choices (pwa/screens.py).
export function readingChoices(scan) {
  const wholeValue = scan.ambiguous ? scan.ambiguous.slice(scan.ambiguous.indexOf(")") + 1) : "";
  return ambiguousReadings(scan).map((reading, number) => {
    const fields = { lot: reading.lot || "", serial: reading.serial || "", expiry: reading.expiry || "" };
    return { ...fields, value: JSON.stringify(fields), default: number === 0 ? "yes" : "",
             whole: [fields.lot, fields.serial].includes(wholeValue) ? "yes" : "",
             no_lot: fields.lot || fields.serial ? "" : "yes" };
  });
}

// The item a scan names, shaped like the server's ItemView (pwa/screens.py), or null.
export async function findItem(db, raw) {
  const text = String(raw ?? "").trim();
  if (!text || text.length > 200) return null;
  const keys = lookupKeys(text);
  if (!keys.length) return null;
  const index = db.transaction("products").store.index("codes");
  const found = await Promise.all(keys.map((key) => index.get(key)));
  for (let i = 0; i < keys.length; i += 1) {
    const product = found[i];
    if (!product) continue;
    if (product.active === false) return null;
    const pack = (product.packs || []).find((candidate) => candidate.barcode === keys[i]);
    const packQty = pack && !(product.barcodes || []).includes(keys[i]) && product.ref !== keys[i] ? pack.qty : 1;
    const scan = parseScan(text);
    return { scan: text, ref: product.ref, name: product.name, uom: product.uom, pack_qty: packQty,
             pack_label: packLabel(packQty, product.uom), tracking: product.tracking, lot: scan.lot || "",
             expiry: scan.expiry || "", serial: scan.serial || "", billable: Boolean(product.billable),
             ambiguous: scan.ambiguous || "", readings: readingChoices(scan) };
  }
  return null;
}

// An active stock freeze at the location, if the catalog knows one. A count session may freeze several locations.
export async function freezeAt(db, location) {
  const freezes = await db.getAll("freezes");
  return freezes.find((freeze) => freeze.active !== false
    && (Array.isArray(freeze.locations) ? freeze.locations : [freeze.location]).includes(location)) || null;
}

export async function locationName(db, code) {
  const location = await db.get("locations", code);
  return location ? location.name : code;
}
