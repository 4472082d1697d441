// The device's outbox: every action is written here before the screen says "saved", then replayed to
// POST /api/v1/actions oldest first until the server has confirmed it. Nothing unsent is ever deleted.
// Runs in pages, in the service worker and in node's test runner: storage, fetch, clock and locks are passed in.

import { openDB } from "../vendor/idb/index.js";

export const DEVICE_DB = "ward-supply-device";
export const BATCH_SIZE = 100;
export const SENT_RETENTION_MS = 7 * 24 * 3600 * 1000;
export const BACKOFF_BASE_MS = 2000;
export const BACKOFF_MAX_MS = 5 * 60 * 1000;

export const PENDING = "pending";
export const SENT = "sent";
export const FAILED = "failed";

// What the user should do about a rejection (README: API v1, per-action reasons). Absent: ask the supervisor.
export const ADVICE = {
  unknown_item: ["Ask your supervisor to add or map the item, then retry.", true],
  unknown_location: ["Ask your supervisor about the location, then retry.", true],
  location_not_allowed: ["Ask an administrator to grant you the location, then retry.", true],
  role_not_allowed: ["Ask your supervisor: your role may not record this.", true],
  user_not_on_device: ["Sign in on this tablet as the person who made it, then retry.", true],
  unknown_user: ["Ask your supervisor: this user is no longer active.", false],
  location_frozen: ["Retry when the stock count of the location has ended.", true],
  id_conflict: ["Ask your supervisor: the server has a different action with this id.", false],
};
const DEFAULT_ADVICE = ["Ask your supervisor.", false];

export function advice(reason) {
  const [text, retryable] = ADVICE[reason] || DEFAULT_ADVICE;
  return { text, retryable };
}

export async function openDevice(name = DEVICE_DB) {
  return openDB(name, 1, {
    upgrade(db) {
      // seq (auto-increment) is the order actions were made in: replay and the journal follow it.
      const outbox = db.createObjectStore("outbox", { keyPath: "seq", autoIncrement: true });
      outbox.createIndex("id", "id", { unique: true });
      outbox.createIndex("state", "state");
      db.createObjectStore("users", { keyPath: "login" });
      db.createObjectStore("meta", { keyPath: "key" });
    },
  });
}

export async function getMeta(db, key, fallback = null) {
  const row = await db.get("meta", key);
  return row ? row.value : fallback;
}

export async function setMeta(db, key, value) {
  await db.put("meta", { key, value });
}

// The device's id, made once and kept with the outbox: every token and action of this tablet carries it.
export async function deviceId(db, makeId = () => crypto.randomUUID()) {
  const tx = db.transaction("meta", "readwrite");
  let row = await tx.store.get("device_id");
  if (!row) {
    row = { key: "device_id", value: `tab-${makeId()}` };
    await tx.store.put(row);
  }
  await tx.done;
  return row.value;
}

// A user who signed in on this tablet, with the bearer token replay uses for their actions.
export async function rememberUser(db, login, token, user = {}) {
  await db.put("users", { login, token, roles: user.roles || [], locations: user.locations || [],
                          signed_in_at: Date.now(), signed_out_at: null });
}

export async function signedOut(db, login, now = Date.now()) {
  const tx = db.transaction("users", "readwrite");
  const user = await tx.store.get(login);
  if (user) await tx.store.put({ ...user, signed_out_at: now });
  await tx.done;
}

export async function knownUser(db, login) {
  return login ? (await db.get("users", login)) || null : null;
}

// Writes the action; resolves only once its transaction has committed (what "saved" means on the screen).
export async function saveAction(db, action, now = Date.now()) {
  if (!action || typeof action.id !== "string" || !action.type) throw new TypeError("an action needs an id and a type");
  const entry = { id: action.id, action, user: action.user || null, state: PENDING, created: now,
                  attempts: 0, sent_at: null, reason: null, message: null };
  const tx = db.transaction("outbox", "readwrite");
  const existing = await tx.store.index("id").get(action.id);
  if (existing) {
    await tx.done;
    return existing;
  }
  entry.seq = await tx.store.add(entry);
  await tx.done;
  return entry;
}

export async function entries(db) {
  return db.getAll("outbox");
}

export async function pendingEntries(db, limit = BATCH_SIZE) {
  return db.getAllFromIndex("outbox", "state", PENDING, limit);
}

export async function summary(db, now = Date.now()) {
  const [pending, failed] = await Promise.all([db.countFromIndex("outbox", "state", PENDING),
                                               db.countFromIndex("outbox", "state", FAILED)]);
  const oldest = (await pendingEntries(db, 1))[0];
  const replay = await getMeta(db, "replay", {});
  return { pending, failed, oldest_created: oldest ? oldest.created : null,
           oldest_age_ms: oldest ? now - oldest.created : null, last_sync: replay.last_ok || null,
           signin_needed: Boolean(replay.signin_needed && pending), last_error: replay.last_error || null,
           next_attempt: replay.next_at || null };
}

// Exponential backoff with full jitter, capped: many tablets coming back at once do not hit the server together.
export function backoffDelay(failures, random = Math.random) {
  const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, failures - 1));
  return Math.round(ceiling / 2 + random() * ceiling / 2);
}

function transient(status) {
  return status === 408 || status === 429 || status >= 500;
}

async function tokensInOrder(db, firstLogin) {
  const users = (await db.getAll("users")).filter((user) => user.token);
  users.sort((a, b) => (b.login === firstLogin) - (a.login === firstLogin) || b.signed_in_at - a.signed_in_at);
  return users;
}

async function forgetToken(db, login) {
  const tx = db.transaction("users", "readwrite");
  const user = await tx.store.get(login);
  if (user) await tx.store.put({ ...user, token: null });
  await tx.done;
}

// Records what the server said about each action of a batch, in one transaction.
async function applyResults(db, batch, results, now) {
  const byId = new Map(results.map((result) => [String(result.id).toLowerCase(), result]));
  const counts = { sent: 0, failed: 0, unanswered: 0 };
  const tx = db.transaction("outbox", "readwrite");
  for (const entry of batch) {
    const current = await tx.store.get(entry.seq);
    const result = byId.get(entry.id.toLowerCase());
    if (!current || current.state !== PENDING) continue;
    if (!result) {
      counts.unanswered += 1;
      continue;
    }
    const attempts = current.attempts + 1;
    if (result.status === "accepted" || result.status === "duplicate") {
      await tx.store.put({ ...current, state: SENT, sent_at: now, attempts, result: result.status });
      counts.sent += 1;
    } else {
      await tx.store.put({ ...current, state: FAILED, failed_at: now, attempts, reason: result.reason || "rejected",
                           message: result.message || "The server did not accept this action." });
      counts.failed += 1;
    }
  }
  await tx.done;
  return counts;
}

async function noteFailure(db, now, random, error) {
  const replay = await getMeta(db, "replay", {});
  const failures = (replay.failures || 0) + 1;
  await setMeta(db, "replay", { ...replay, failures, next_at: now + backoffDelay(failures, random), last_error: error });
  return { ok: false, error, failures };
}

// Sends every pending action, oldest first, in batches. A batch is marked only from the server's answer: a lost
// answer leaves it pending and the resend comes back "duplicate". Transient errors back off with jitter.
export async function replay(db, options = {}) {
  const { fetch = globalThis.fetch, now = () => Date.now(), random = Math.random, force = false,
          endpoint = "/api/v1/actions", batchSize = BATCH_SIZE, lock = runAlone } = options;
  return lock(async () => {
    const replayState = await getMeta(db, "replay", {});
    if (!force && replayState.next_at && now() < replayState.next_at) return { ok: false, waiting: true };
    const report = { ok: true, sent: 0, failed: 0, batches: 0 };
    let size = batchSize;
    for (;;) {
      const batch = await pendingEntries(db, size);
      if (!batch.length) break;
      const users = await tokensInOrder(db, batch[0].user);
      if (!users.length) {
        await setMeta(db, "replay", { ...(await getMeta(db, "replay", {})), signin_needed: true });
        return { ...report, ok: false, error: "signin_needed" };
      }
      let response;
      try {
        response = await fetch(endpoint, {
          method: "POST", credentials: "omit", cache: "no-store",
          headers: { "Content-Type": "application/json", Authorization: `Bearer ${users[0].token}` },
          body: JSON.stringify({ actions: batch.map((entry) => entry.action) }),
        });
      } catch (error) {
        return { ...report, ...(await noteFailure(db, now(), random, "network")) };
      }
      if (response.status === 401) {
        await forgetToken(db, users[0].login);
        continue;
      }
      if (response.status === 413 && size > 1) {
        size = Math.max(1, Math.floor(size / 2));
        continue;
      }
      if (transient(response.status) || !response.ok) {
        return { ...report, ...(await noteFailure(db, now(), random, `http_${response.status}`)) };
      }
      let body;
      try {
        body = await response.json();
      } catch (error) {
        return { ...report, ...(await noteFailure(db, now(), random, "bad_answer")) };
      }
      const counts = await applyResults(db, batch, Array.isArray(body.results) ? body.results : [], now());
      report.sent += counts.sent;
      report.failed += counts.failed;
      report.batches += 1;
      await setMeta(db, "replay", { failures: 0, next_at: null, last_ok: now(), last_error: null,
                                    signin_needed: false });
      if (counts.unanswered) break;  // a server that skipped some: try them again on the next round
    }
    await prune(db, now());
    await forgetSignedOutTokens(db);
    return report;
  });
}

// In one JavaScript context only one replay runs at a time; pages and the service worker pass a Web Lock.
let running = null;
export async function runAlone(work) {
  while (running) await running.catch(() => {});
  running = work();
  try {
    return await running;
  } finally {
    running = null;
  }
}

// A failed action goes back in the queue unchanged (same id, same content), e.g. once the item was mapped.
export async function retry(db, seq) {
  const tx = db.transaction("outbox", "readwrite");
  const entry = await tx.store.get(seq);
  if (entry && entry.state === FAILED) {
    await tx.store.put({ ...entry, state: PENDING, reason: null, message: null, retried_at: Date.now() });
  }
  await tx.done;
  const replayState = await getMeta(db, "replay", {});
  await setMeta(db, "replay", { ...replayState, next_at: null });
}

// Sent entries go only after the server confirmed them and the retention period has passed.
export async function prune(db, now = Date.now(), retention = SENT_RETENTION_MS) {
  const tx = db.transaction("outbox", "readwrite");
  let cursor = await tx.store.index("state").openCursor(SENT);
  let removed = 0;
  while (cursor) {
    if (cursor.value.sent_at && now - cursor.value.sent_at >= retention) {
      await cursor.delete();
      removed += 1;
    }
    cursor = await cursor.continue();
  }
  await tx.done;
  return removed;
}

// A signed-out user's token stays on the tablet only while something of theirs is still unsent.
async function forgetSignedOutTokens(db) {
  const users = (await db.getAll("users")).filter((user) => user.token && user.signed_out_at);
  if (!users.length) return;
  const unsent = new Set((await db.getAll("outbox")).filter((entry) => entry.state !== SENT).map((e) => e.user));
  for (const user of users) {
    if (!unsent.has(user.login)) await forgetToken(db, user.login);
  }
}
