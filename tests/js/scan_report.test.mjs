// Unknown item reports wait on the device until the server has them; a refused one stays with its reason.
import "fake-indexeddb/auto";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { test } from "node:test";
import { openReports, pendingReports, queueReport, sendReports } from "../../static/js/scan/report.js";

const tokenFor = async (login) => (login === "nurse" ? "token-nurse" : null);

function server(answers) {
  const calls = [];
  const fetch = async (url, init) => {
    calls.push({ url, body: JSON.parse(init.body), auth: init.headers.Authorization });
    const answer = answers.shift();
    if (answer === "down") throw new TypeError("Failed to fetch");
    return { ok: answer < 300, status: answer, json: async () => ({ error: { message: "No." } }) };
  };
  return { fetch, calls };
}

test("a report made offline is sent with the user's token once the network is back", async () => {
  const db = await openReports(`reports-${randomUUID()}`);
  const report = await queueReport(db, { raw: "]d2010761234009999110X", user: "nurse", location: "WARD-4B" });
  const offline = server(["down"]);

  assert.deepEqual(await sendReports(db, { tokenFor, fetch: offline.fetch }), { sent: 0, refused: 0, waiting: 1 });
  assert.equal((await pendingReports(db)).length, 1);

  const online = server([201]);
  assert.deepEqual(await sendReports(db, { tokenFor, fetch: online.fetch }), { sent: 1, refused: 0, waiting: 0 });
  assert.equal(online.calls[0].auth, "Bearer token-nurse");
  assert.equal(online.calls[0].body.id, report.id);
  assert.equal(online.calls[0].body.raw, "]d2010761234009999110X");
  assert.equal(online.calls[0].body.user, undefined, "the server takes the user from the token");
  assert.equal((await pendingReports(db)).length, 0);
});

test("a refused report is kept with the reason; a server error leaves it waiting", async () => {
  const db = await openReports(`reports-${randomUUID()}`);
  const refused = await queueReport(db, { raw: "X", user: "nurse" }, { now: new Date("2026-11-23T10:00:00Z") });
  await queueReport(db, { raw: "Y", user: "nurse" }, { now: new Date("2026-11-23T10:00:01Z") });

  const outcome = await sendReports(db, { tokenFor, fetch: server([403, 503]).fetch });

  assert.deepEqual(outcome, { sent: 0, refused: 1, waiting: 1 });
  const kept = await db.get("reports", refused.id);
  assert.deepEqual([kept.state, kept.reason], ["refused", "No."]);
  assert.deepEqual((await pendingReports(db)).map((r) => r.raw), ["Y"]);
});

test("a report of a user with no token on the tablet waits for their sign-in", async () => {
  const db = await openReports(`reports-${randomUUID()}`);
  await queueReport(db, { raw: "X", user: "counter" });
  const { fetch, calls } = server([]);

  assert.deepEqual(await sendReports(db, { tokenFor, fetch }), { sent: 0, refused: 0, waiting: 1 });
  assert.equal(calls.length, 0);
});
