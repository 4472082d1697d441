// The outbox and its replay, against an in-memory IndexedDB and a fake server: what is saved is sent once,
// in order; nothing unsent is ever dropped; failures back off; rejections stay visible without blocking the rest.
import "fake-indexeddb/auto";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { test } from "node:test";
import {
  BACKOFF_MAX_MS, FAILED, PENDING, SENT, SENT_RETENTION_MS, advice, backoffDelay, deviceId, entries, openDevice,
  prune, rememberUser, replay, retry, saveAction, signedOut, summary,
} from "../../static/js/outbox.js";

let clock = 1_000_000;
const now = () => clock;

async function freshDevice() {
  const db = await openDevice(`test-${randomUUID()}`);
  await rememberUser(db, "nurse", "token-nurse", { roles: ["requester"], locations: ["WARD-4B"] });
  return db;
}

function action(type = "waste", fields = {}) {
  return { id: randomUUID(), type, created_at: new Date(clock).toISOString(), device_id: "tab-1", user: "nurse",
           location: "WARD-4B", lines: [{ product: "SYR-10ML", qty: 1 }], ...fields };
}

// A journal that de-duplicates by id like the real intake, and can be told to fail.
function fakeServer() {
  const server = { journal: [], requests: [], fail: null, lose: false, reject: new Map(), tokens: new Set(["token-nurse", "token-jo"]) };
  server.fetch = async (url, init) => {
    const token = init.headers.Authorization.replace("Bearer ", "");
    const body = JSON.parse(init.body);
    server.requests.push({ url, token, ids: body.actions.map((a) => a.id) });
    if (server.fail === "network") throw new TypeError("Failed to fetch");
    if (typeof server.fail === "number") return new Response("{}", { status: server.fail });
    if (!server.tokens.has(token)) return new Response("{}", { status: 401 });
    const results = body.actions.map((a) => {
      if (server.reject.has(a.id)) return { id: a.id, status: "rejected", reason: server.reject.get(a.id), message: "No." };
      if (server.journal.some((row) => row.id === a.id)) return { id: a.id, status: "duplicate" };
      server.journal.push(a);
      return { id: a.id, status: "accepted" };
    });
    if (server.lose) throw new TypeError("connection reset after the server committed");
    return new Response(JSON.stringify({ results }), { status: 200, headers: { "Content-Type": "application/json" } });
  };
  return server;
}

test("a saved action is in the outbox as soon as saveAction resolves, and saving it again adds nothing", async () => {
  const db = await freshDevice();
  const made = action();
  await saveAction(db, made, now());
  await saveAction(db, made, now());
  const all = await entries(db);
  assert.equal(all.length, 1);
  assert.equal(all[0].state, PENDING);
  assert.deepEqual(all[0].action, made);
});

test("the device id is made once and kept", async () => {
  const db = await freshDevice();
  const first = await deviceId(db);
  assert.match(first, /^tab-[0-9a-f-]{36}$/);
  assert.equal(await deviceId(db), first);
});

test("replay sends the outbox oldest first, in batches, and marks each action sent", async () => {
  const db = await freshDevice();
  const server = fakeServer();
  const made = [];
  for (let i = 0; i < 7; i += 1) made.push((await saveAction(db, action(i % 2 ? "waste" : "issue", { encounter: "ENC-1" }), now())).id);
  const report = await replay(db, { fetch: server.fetch, now, batchSize: 3 });
  assert.equal(report.sent, 7);
  assert.deepEqual(server.journal.map((a) => a.id), made);
  assert.deepEqual(server.requests.map((r) => r.ids.length), [3, 3, 1]);
  assert.ok((await entries(db)).every((entry) => entry.state === SENT));
  assert.equal((await summary(db, now())).last_sync, clock);
});

test("a lost answer leaves the batch pending; the resend comes back duplicate and nothing is journaled twice", async () => {
  const db = await freshDevice();
  const server = fakeServer();
  for (let i = 0; i < 3; i += 1) await saveAction(db, action(), now());
  server.lose = true;
  const lost = await replay(db, { fetch: server.fetch, now });
  assert.equal(lost.ok, false);
  assert.equal(server.journal.length, 3);
  assert.ok((await entries(db)).every((entry) => entry.state === PENDING));
  server.lose = false;
  const again = await replay(db, { fetch: server.fetch, now, force: true });
  assert.equal(again.sent, 3);
  assert.equal(server.journal.length, 3);
});

test("5xx, 429 and network errors mark nothing sent and back off before the next attempt", async () => {
  for (const failure of [500, 503, 429, "network"]) {
    const db = await freshDevice();
    const server = fakeServer();
    await saveAction(db, action(), now());
    server.fail = failure;
    const report = await replay(db, { fetch: server.fetch, now, random: () => 0.5 });
    assert.equal(report.ok, false, String(failure));
    assert.equal((await entries(db))[0].state, PENDING);
    const waiting = await replay(db, { fetch: server.fetch, now });
    assert.equal(waiting.waiting, true, "a second try before the backoff ends does not hit the server");
    assert.equal(server.requests.length, 1);
    server.fail = null;
    clock += BACKOFF_MAX_MS;
    const recovered = await replay(db, { fetch: server.fetch, now });
    assert.equal(recovered.sent, 1);
    assert.equal(server.journal.length, 1);
  }
});

test("backoff grows exponentially with jitter and is capped", () => {
  assert.ok(backoffDelay(1, () => 0) >= 1000 && backoffDelay(1, () => 1) <= 2000);
  assert.ok(backoffDelay(4, () => 1) > backoffDelay(2, () => 1));
  assert.equal(backoffDelay(40, () => 1), BACKOFF_MAX_MS);
  assert.notEqual(backoffDelay(3, () => 0), backoffDelay(3, () => 1));
});

test("a rejected action stays with its reason and advice, and the actions after it are still sent", async () => {
  const db = await freshDevice();
  const server = fakeServer();
  const first = await saveAction(db, action(), now());
  const bad = await saveAction(db, action(), now());
  const last = await saveAction(db, action(), now());
  server.reject.set(bad.id, "unknown_item");
  const report = await replay(db, { fetch: server.fetch, now });
  assert.equal(report.sent, 2);
  assert.equal(report.failed, 1);
  assert.deepEqual(server.journal.map((a) => a.id), [first.id, last.id]);
  const failed = (await entries(db)).find((entry) => entry.id === bad.id);
  assert.equal(failed.state, FAILED);
  assert.equal(failed.reason, "unknown_item");
  assert.equal(failed.message, "No.");
  assert.equal(advice("unknown_item").retryable, true);
  assert.equal(advice("id_conflict").retryable, false);
  assert.equal((await summary(db, now())).failed, 1);
  // Retried unchanged once the item is mapped: same id, same content.
  server.reject.delete(bad.id);
  await retry(db, failed.seq);
  await replay(db, { fetch: server.fetch, now });
  assert.deepEqual(server.journal.map((a) => a.id), [first.id, last.id, bad.id]);
});

test("sent entries are pruned only after the retention period; unsent ones never", async () => {
  const db = await freshDevice();
  const server = fakeServer();
  await saveAction(db, action(), now());
  await replay(db, { fetch: server.fetch, now });
  server.fail = 500;
  await saveAction(db, action(), now());
  assert.equal(await prune(db, clock + SENT_RETENTION_MS - 1), 0);
  assert.equal(await prune(db, clock + SENT_RETENTION_MS * 100), 1);
  const left = await entries(db);
  assert.equal(left.length, 1);
  assert.equal(left[0].state, PENDING);
});

test("each action keeps its author; another user's token may send it; a revoked token is set aside", async () => {
  const db = await freshDevice();
  const server = fakeServer();
  await rememberUser(db, "jo", "token-jo", { roles: ["requester"], locations: ["WARD-4B"] });
  const byNurse = await saveAction(db, action("waste", { user: "nurse" }), now());
  const byJo = await saveAction(db, action("waste", { user: "jo" }), now());
  server.tokens.delete("token-nurse");
  const report = await replay(db, { fetch: server.fetch, now });
  assert.equal(report.sent, 2);
  assert.deepEqual(server.journal.map((a) => [a.id, a.user]), [[byNurse.id, "nurse"], [byJo.id, "jo"]]);
  assert.equal(server.requests.at(-1).token, "token-jo");
});

test("signing out keeps the user's token until their queued actions are sent; with no token, replay waits", async () => {
  const db = await openDevice(`test-${randomUUID()}`);
  const server = fakeServer();
  await saveAction(db, action(), now());
  const none = await replay(db, { fetch: server.fetch, now });
  assert.equal(none.error, "signin_needed");
  assert.equal((await summary(db, now())).signin_needed, true);
  assert.equal((await entries(db))[0].state, PENDING);
  await rememberUser(db, "nurse", "token-nurse");
  await signedOut(db, "nurse");
  server.fail = 503;
  await replay(db, { fetch: server.fetch, now, force: true });
  assert.equal((await db.get("users", "nurse")).token, "token-nurse", "kept while something is unsent");
  server.fail = null;
  await replay(db, { fetch: server.fetch, now, force: true });
  assert.equal((await db.get("users", "nurse")).token, null, "dropped once everything is sent");
});

test("two replays at once in one context send each action once", async () => {
  const db = await freshDevice();
  const server = fakeServer();
  for (let i = 0; i < 5; i += 1) await saveAction(db, action(), now());
  await Promise.all([replay(db, { fetch: server.fetch, now }), replay(db, { fetch: server.fetch, now })]);
  assert.equal(server.journal.length, 5);
  assert.equal(server.requests.length, 1);
});
