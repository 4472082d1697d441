// The device catalog: a paged first sync, deltas by cursor that drop archived rows, and scans resolved by every
// barcode, pack barcode and reference the way the server resolves them.
import "fake-indexeddb/auto";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { test } from "node:test";
import { catalogState, findItem, freezeAt, lookupKeys, openCatalog, syncCatalog } from "../../static/js/catalog.js";

const SYRINGE = { ref: "SYR-10ML", name: "Syringe Luer lock 10ml", barcodes: ["07612340000041"],
                  packs: [{ barcode: "17612340000048", qty: 100 }], uom: "Units", tracking: "lot", billable: true,
                  price: 0.42, active: true };

function pagedServer(pages) {
  const server = { calls: [] };
  server.fetch = async (url, init) => {
    const query = new URL(url, "http://device").searchParams;
    server.calls.push({ since: query.get("since"), auth: init.headers.Authorization });
    const page = pages[query.get("since") ?? ""];
    if (!page) return new Response("{}", { status: 400 });
    return new Response(JSON.stringify(page), { status: 200 });
  };
  return server;
}

test("the first sync follows the cursor through every page, then a delta drops what was archived", async () => {
  const db = await openCatalog(`test-${randomUUID()}`);
  const server = pagedServer({
    "": { products: [SYRINGE], locations: [{ code: "WARD-4B", name: "Ward 4B", active: true }], par: [],
          cursor: "10", more: true },
    10: { products: [{ ...SYRINGE, ref: "NDL-21G", name: "Needle 21G", barcodes: ["07612340000058"], packs: [] }],
          locations: [], par: [{ location: "WARD-4B", ref: "SYR-10ML", min: 10, max: 30, active: true }],
          cursor: "12", more: false },
    12: { products: [{ ...SYRINGE, active: false }], locations: [], par: [], cursor: "13", more: false },
  });
  const pages = [];
  const first = await syncCatalog(db, { fetch: server.fetch, token: "t", scope: ["WARD-4B"],
                                        onPage: (progress) => pages.push(progress) });
  assert.equal(first.first, true);
  assert.deepEqual(pages.map((p) => p.loaded), [1, 2]);
  assert.equal((await catalogState(db)).count, 2);
  assert.equal(server.calls[0].auth, "Bearer t");
  const delta = await syncCatalog(db, { fetch: server.fetch, token: "t", scope: ["WARD-4B"] });
  assert.equal(delta.first, false);
  assert.equal(server.calls.at(-1).since, "12");
  assert.equal(await findItem(db, "SYR-10ML"), null, "archived products no longer resolve");
  assert.equal((await findItem(db, "NDL-21G")).name, "Needle 21G");
});

test("a user with a location the device has not synced starts a fresh sync", async () => {
  const db = await openCatalog(`test-${randomUUID()}`);
  const server = pagedServer({ "": { products: [SYRINGE], cursor: "5", more: false },
                               5: { products: [], cursor: "5", more: false } });
  await syncCatalog(db, { fetch: server.fetch, token: "nurse", scope: ["WARD-4B"] });
  await syncCatalog(db, { fetch: server.fetch, token: "nurse", scope: ["WARD-4B"] });
  assert.equal(server.calls.at(-1).since, "5");
  await syncCatalog(db, { fetch: server.fetch, token: "icu", scope: ["ICU"] });
  assert.equal(server.calls.at(-1).since, null);
});

test("scans resolve by unit barcode, GS1 element string, pack barcode and reference", async () => {
  const db = await openCatalog(`test-${randomUUID()}`);
  const server = pagedServer({ "": { products: [SYRINGE], cursor: "1", more: false } });
  await syncCatalog(db, { fetch: server.fetch, token: "t" });
  const byEan = await findItem(db, "7612340000041");
  assert.equal(byEan.ref, "SYR-10ML");
  assert.equal(byEan.pack_qty, 1);
  const byGs1 = await findItem(db, "(01)07612340000041(17)271231(10)AB12");
  assert.deepEqual([byGs1.ref, byGs1.lot, byGs1.expiry], ["SYR-10ML", "AB12", "2027-12-31"]);
  const byPack = await findItem(db, "17612340000048");
  assert.deepEqual([byPack.pack_qty, byPack.pack_label], [100, "pack of 100 units"]);
  assert.equal((await findItem(db, "SYR-10ML")).name, "Syringe Luer lock 10ml");
  assert.equal(await findItem(db, "NOT-A-THING"), null);
  assert.equal(await findItem(db, ""), null);
  assert.deepEqual(lookupKeys("07612340000041").slice(0, 2), ["07612340000041", "7612340000041"]);
});

test("a freeze in the catalog is found for its location", async () => {
  const db = await openCatalog(`test-${randomUUID()}`);
  const server = pagedServer({ "": { products: [], freezes: [{ id: "CS-1", location: "ICU", active: true }],
                                     cursor: "1", more: false } });
  await syncCatalog(db, { fetch: server.fetch, token: "t" });
  assert.equal((await freezeAt(db, "ICU")).id, "CS-1");
  assert.equal(await freezeAt(db, "WARD-4B"), null);
});
