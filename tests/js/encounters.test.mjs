// The shift's recent encounters on a shared tablet: latest first, at most a handful, only for the sign-in that
// chose them, gone after a shift or at sign-out.
import assert from "node:assert/strict";
import { test } from "node:test";
import { RECENT_MAX, SHIFT_HOURS, forgetEncounters, recentEncounters, rememberEncounter } from "../../static/js/encounters.js";

function memoryStorage() {
  const values = new Map();
  return { getItem: (k) => (values.has(k) ? values.get(k) : null), setItem: (k, v) => values.set(k, String(v)),
           removeItem: (k) => values.delete(k), values };
}

const nurse = { login: "nurse", session: 1000 };

test("the latest encounter comes first, once, and the list stays short", () => {
  const storage = memoryStorage();
  rememberEncounter(storage, "ENC-2026-000123", { ...nurse, now: 1 });
  rememberEncounter(storage, "ENC-2026-000124", { ...nurse, now: 2 });
  rememberEncounter(storage, "ENC-2026-000123", { ...nurse, now: 3 });
  assert.deepEqual(recentEncounters(storage, { ...nurse, now: 4 }), ["ENC-2026-000123", "ENC-2026-000124"]);
  for (let n = 0; n < 20; n += 1) rememberEncounter(storage, `ENC-2026-${String(n).padStart(6, "0")}`, { ...nurse, now: 10 + n });
  assert.equal(recentEncounters(storage, { ...nurse, now: 100 }).length, RECENT_MAX);
});

test("another user, a new sign-in, the end of the shift or signing out: the list is gone", () => {
  const storage = memoryStorage();
  rememberEncounter(storage, "ENC-2026-000123", { ...nurse, now: 0 });
  assert.deepEqual(recentEncounters(storage, { login: "supervisor", session: 1000, now: 1 }), []);
  assert.deepEqual(recentEncounters(storage, { login: "nurse", session: 2000, now: 1 }), []);
  assert.deepEqual(recentEncounters(storage, { ...nurse, now: SHIFT_HOURS * 3600_000 }), []);
  assert.deepEqual(recentEncounters(storage, { ...nurse, now: 1 }), ["ENC-2026-000123"]);
  forgetEncounters(storage);
  assert.equal(storage.values.size, 0);
  storage.setItem("ws-recent-encounters", "not json");
  assert.deepEqual(recentEncounters(storage, { ...nurse, now: 1 }), []);
});
