// "Report unknown item": the raw scan (and a photo if one was taken) kept on the device first, then sent to
// POST /api/v1/unknown-items with the user's bearer token when there is a network. Each report has a UUID made
// here, so sending it again after a lost answer files it once. Runs in pages and in node's test runner.

import { openDB } from "../../vendor/idb/index.js";

export const REPORTS_DB = "ward-supply-reports";
export const PHOTO_MAX_SIDE = 1280;

export async function openReports(name = REPORTS_DB) {
  return openDB(name, 1, {
    upgrade(db) {
      db.createObjectStore("reports", { keyPath: "id" }).createIndex("state", "state");
    },
  });
}

// Resolves once the report is stored on the device.
export async function queueReport(db, { raw, location = null, note = null, photo = null, user = null },
                                  { now = new Date(), makeId = () => crypto.randomUUID() } = {}) {
  const report = { id: makeId(), raw, location, note, photo, user, created_at: now.toISOString(),
                   state: "pending", attempts: 0 };
  await db.put("reports", report);
  return report;
}

// Oldest first: the index alone orders ties by the random id.
export async function pendingReports(db) {
  const pending = await db.getAllFromIndex("reports", "state", "pending");
  return pending.sort((a, b) => a.created_at.localeCompare(b.created_at));
}

// Sends what is pending; tokenFor(login) answers the bearer token of the user who made the report, or null.
// A report the server refuses (400/403/413) is kept as "refused" with the reason, never dropped.
export async function sendReports(db, { tokenFor, fetch = globalThis.fetch, endpoint = "/api/v1/unknown-items" }) {
  const outcome = { sent: 0, refused: 0, waiting: 0 };
  for (const report of await pendingReports(db)) {
    const token = await tokenFor(report.user);
    if (!token) {
      outcome.waiting += 1;
      continue;
    }
    let response;
    try {
      const { state, attempts, user, ...body } = report;
      response = await fetch(endpoint, {
        method: "POST", credentials: "omit", cache: "no-store", body: JSON.stringify(body),
        headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` } });
    } catch {
      outcome.waiting += 1;
      break; // no network: the rest waits too
    }
    if (response.ok) {
      await db.put("reports", { ...report, state: "sent", photo: null, sent_at: Date.now() });
      outcome.sent += 1;
    } else if ([400, 403, 413].includes(response.status)) {
      const answer = await response.json().catch(() => ({}));
      await db.put("reports", { ...report, state: "refused", reason: answer.error?.message || `HTTP ${response.status}` });
      outcome.refused += 1;
    } else {
      await db.put("reports", { ...report, attempts: report.attempts + 1 });
      outcome.waiting += 1;
    }
  }
  return outcome;
}

// A camera photo made small enough to send: at most PHOTO_MAX_SIDE pixels a side, as a JPEG data URL.
export async function shrinkPhoto(file, maxSide = PHOTO_MAX_SIDE) {
  const bitmap = await createImageBitmap(file);
  const scale = Math.min(1, maxSide / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement("canvas");
  canvas.width = Math.round(bitmap.width * scale);
  canvas.height = Math.round(bitmap.height * scale);
  canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close();
  return canvas.toDataURL("image/jpeg", 0.8);
}
