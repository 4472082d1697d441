// The device status bar on every page and the outbox screen, both filled from IndexedDB.

import { ADVICE, FAILED, PENDING, SENT, advice, entries, summary } from "./outbox.js";
import { fill } from "./screens.js";

const STATE_LABELS = { [PENDING]: "Waiting to send", [SENT]: "Sent", [FAILED]: "Not accepted" };

export function age(ms) {
  if (ms === null || ms === undefined) return "";
  const minutes = Math.floor(ms / 60000);
  if (minutes < 1) return "under a minute";
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} days`;
}

function clock(ms) {
  if (!ms) return "never";
  const when = new Date(ms);
  const sameDay = when.toDateString() === new Date().toDateString();
  const time = when.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  return sameDay ? time : `${when.toLocaleDateString()} ${time}`;
}

function setSlots(root, data) {
  for (const node of root.querySelectorAll("[data-slot]")) {
    if (node.dataset.slot in data) node.textContent = data[node.dataset.slot];
  }
  for (const node of root.querySelectorAll("[data-slot-show]")) {
    if (node.dataset.slotShow in data) node.hidden = !data[node.dataset.slotShow];
  }
}

export async function renderStatus(db, extra = {}) {
  const bar = document.querySelector("[data-device-status]");
  if (!bar) return;
  const state = await summary(db);
  const online = navigator.onLine !== false;
  bar.dataset.network = online ? "online" : "offline";
  bar.dataset.pending = String(state.pending);
  bar.dataset.failed = String(state.failed);
  setSlots(bar, {
    network: online ? "Online" : "Offline — working from this tablet",
    pending: String(state.pending),
    oldest: state.pending ? age(state.oldest_age_ms) : "",
    failed: state.failed ? String(state.failed) : "",
    last_sync: clock(state.last_sync),
    signin_needed: state.signin_needed,
    ...extra,
  });
}

export async function renderOutbox(db) {
  const body = document.querySelector("[data-outbox-rows]");
  if (!body) return;
  const template = document.getElementById("tpl-outbox-row");
  const all = await entries(db);
  const order = { [FAILED]: 0, [PENDING]: 1, [SENT]: 2 };
  // What needs someone first, then the queue in the order it will be sent, then the most recently sent.
  all.sort((a, b) => order[a.state] - order[b.state] || (a.state === SENT ? b.seq - a.seq : a.seq - b.seq));
  const rows = all.map((entry) => {
    const help = entry.state === FAILED ? advice(entry.reason) : { text: "", retryable: false };
    const row = fill(template, {
      made: clock(entry.created), type: entry.action.type, location: entry.action.location,
      lines: (entry.action.lines || []).length, user: entry.user || "", state_label: STATE_LABELS[entry.state],
      sent: entry.sent_at ? clock(entry.sent_at) : "", message: entry.message || "", advice: help.text,
      retryable: help.retryable,
    }).firstElementChild;
    row.dataset.seq = String(entry.seq);
    row.dataset.id = entry.id;
    row.dataset.state = entry.state;
    if (entry.reason) row.dataset.reason = entry.reason;
    return row;
  });
  body.replaceChildren(...rows);
  const empty = document.querySelector("[data-outbox-empty]");
  if (empty) empty.hidden = rows.length > 0;
}

export { ADVICE };
