// Stock freezes on the device: the catalog's `freezes` is the server's whole list each time, so a count session
// that ends stops blocking its locations, and a session over several locations freezes each of them.
import "fake-indexeddb/auto";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { test } from "node:test";
import { freezeAt, openCatalog, syncCatalog } from "../../static/js/catalog.js";

function server(pages) {
  return async (url) => {
    const page = pages[new URL(url, "http://device").searchParams.get("since") ?? ""];
    return new Response(JSON.stringify(page), { status: page ? 200 : 400 });
  };
}

const SESSION = { session: "9b2e", locations: ["WARD-4B", "ICU"], started_at: "2026-11-23T09:00:00+00:00",
                  blind: true };

test("a count session freezes every location it names, and its end lifts the freeze", async () => {
  const db = await openCatalog(`test-${randomUUID()}`);
  await syncCatalog(db, { token: "t", fetch: server({ "": { products: [], freezes: [SESSION], cursor: "1" } }) });
  assert.equal((await freezeAt(db, "WARD-4B")).session, "9b2e");
  assert.equal((await freezeAt(db, "ICU")).session, "9b2e");
  assert.equal(await freezeAt(db, "OR"), null);

  await syncCatalog(db, { token: "t", fetch: server({ 1: { products: [], freezes: [], cursor: "2" } }) });
  assert.equal(await freezeAt(db, "WARD-4B"), null);
  assert.equal(await freezeAt(db, "ICU"), null);
});

test("a page without a freezes list leaves the freezes the device knows", async () => {
  const db = await openCatalog(`test-${randomUUID()}`);
  await syncCatalog(db, { token: "t", fetch: server({ "": { products: [], freezes: [SESSION], cursor: "1" } }) });
  await syncCatalog(db, { token: "t", fetch: server({ 1: { products: [], cursor: "2" } }) });
  assert.equal((await freezeAt(db, "ICU")).session, "9b2e");
});
