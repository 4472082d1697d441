// The Requisition screen's device side and "My requisitions": the par list offline from the catalog (the same rows
// pwa/requisition.py renders online, computed by orders.js), times in the tablet's own clock, and where each
// requisition stands, from the outbox and the transfers the catalog reports.

import { findItem } from "./catalog.js";
import { catalog, device, pageUser, syncCatalogNow } from "./device.js";
import { entries, knownUser } from "./outbox.js";
import { awaited, oldestStock, parRows, requisitionState } from "./orders.js";
import { fill, resolvers } from "./screens.js";

// "today 06:00", "yesterday 18:30", "21 Nov 06:00": when a stock figure or a requisition is from, at a glance.
export function when(iso, now = new Date()) {
  const moment = new Date(iso);
  if (Number.isNaN(moment.getTime())) return "unknown";
  const time = moment.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  const day = (date) => new Date(date.getFullYear(), date.getMonth(), date.getDate()).getTime();
  const days = Math.round((day(now) - day(moment)) / 86400000);
  if (days === 0) return `today ${time}`;
  if (days === 1) return `yesterday ${time}`;
  return `${moment.toLocaleDateString([], { day: "numeric", month: "short" })} ${time}`;
}

// Every <data class="when" value="ISO"> in a fragment, in this tablet's clock.
function localTimes(root = document) {
  for (const node of root.querySelectorAll("data.when")) {
    const iso = node.getAttribute("value");
    if (iso) node.textContent = when(iso);
  }
}

// Requisitions from this tablet's outbox, their lines resolved to product and units by the catalog.
async function outboxRequisitions(location = null) {
  const db = await catalog;
  const found = [];
  for (const entry of await entries(await device)) {
    const action = entry.action;
    if (action.type !== "requisition" || entry.state === "failed" || (location && action.location !== location)) {
      continue;
    }
    const lines = [];
    for (const line of action.lines || []) {
      const item = await findItem(db, line.product || line.scan);
      if (item) lines.push({ ref: item.ref, units: Number(line.qty) * item.pack_qty });
    }
    found.push({ id: action.id, created_at: action.created_at, lines });
  }
  return found;
}

// pwa/requisition.py par_view, from the device's catalog.
async function parView(code) {
  const db = await catalog;
  const location = await db.get("locations", code);
  const [pars, stock, transfers] = await Promise.all([db.getAllFromIndex("par", "location", code),
    db.getAllFromIndex("stock", "location", code), db.getAllFromIndex("transfers", "location", code)]);
  const products = {};
  for (const par of pars) products[par.ref] = await db.get("products", par.ref);
  const onOrder = awaited({ transfers, requisitions: await outboxRequisitions(code) });
  const rows = parRows({ pars, products, stock, onOrder });
  const low = rows.filter((row) => row.low);
  const rest = rows.filter((row) => !row.low);
  const asOf = oldestStock(stock);
  return { location: code, location_name: location ? location.name : code, as_of: asOf,
           as_of_text: asOf ? when(asOf) : "unknown", low, rest, low_count: low.length, rest_count: rest.length,
           empty: rows.length ? "" : "yes" };
}

resolvers.par = async (values) => parView(values.location);

function wireRequisition(form) {
  const par = document.getElementById("req-par");
  const afterSwap = () => localTimes(par);
  // Enter in a row's quantity must not submit the row (its fields are read when the requisition is sent).
  par.addEventListener("submit", (event) => event.preventDefault());
  document.body.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target === par) afterSwap();
  });
  document.addEventListener("ws:local-answer", (event) => {
    if (event.detail.form === form) afterSwap();
  });
  // Sent: the par list goes with it; shown again on request (by then the requisition counts as on its way).
  document.addEventListener("ws:action-saved", (event) => {
    if (event.detail.form !== form) return;
    const note = document.createElement("p");
    note.className = "muted";
    note.textContent = "The par list went with the requisition. ";
    const again = document.createElement("button");
    again.type = "button";
    again.className = "button";
    again.textContent = "Show the par list again";
    again.addEventListener("click", () => window.htmx.trigger(form, "change"));
    note.append(again);
    par.replaceChildren(note);
  });
}

// ---- My requisitions ----------------------------------------------------------------------------------------

function summary(lines, names) {
  const parts = lines.slice(0, 3).map((line) => `${names[line.ref] || line.ref} × ${line.units}`);
  if (lines.length > 3) parts.push(`${lines.length - 3} more`);
  return parts.join(", ");
}

async function renderMine(list) {
  const db = await catalog;
  const user = await knownUser(await device, pageUser);
  const scope = new Set(user?.locations || []);
  const transfers = (await db.getAll("transfers")).filter((t) => t.requisition && (!scope.size || scope.has(t.location)));
  const byRequisition = new Map();
  for (const transfer of transfers) {
    if (!byRequisition.has(transfer.requisition)) byRequisition.set(transfer.requisition, []);
    byRequisition.get(transfer.requisition).push(transfer);
  }
  const rows = [];
  const names = {};
  const nameOf = async (ref) => {
    if (!(ref in names)) names[ref] = (await db.get("products", ref))?.name || ref;
  };
  for (const entry of await entries(await device)) {
    const action = entry.action;
    if (action.type !== "requisition" || (scope.size && !scope.has(action.location))) continue;
    const lines = [];
    for (const line of action.lines || []) {
      const item = await findItem(db, line.product || line.scan);
      if (item) {
        await nameOf(item.ref);
        lines.push({ ref: item.ref, units: Number(line.qty) * item.pack_qty });
      }
    }
    const own = byRequisition.get(action.id) || [];
    byRequisition.delete(action.id);
    rows.push({ at: action.created_at, location: action.location, who: entry.user || "", lines,
                state: requisitionState({ entry, transfers: own }), transfers: own });
  }
  // Requisitions Odoo reports that this tablet no longer (or never) held: made on another tablet, or long sent.
  for (const [id, own] of byRequisition) {
    const lines = [];
    for (const transfer of own) {
      for (const line of transfer.lines || []) {
        await nameOf(line.ref);
        lines.push({ ref: line.ref, units: line.qty });
      }
    }
    rows.push({ at: own.map((t) => t.scheduled_at).filter(Boolean).sort()[0] || "", location: own[0].location,
                who: "", lines, state: requisitionState({ transfers: own }), transfers: own, id });
  }
  rows.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
  const template = document.getElementById("tpl-req-mine");
  const locationNames = {};
  for (const row of rows) {
    if (!(row.location in locationNames)) locationNames[row.location] = (await db.get("locations", row.location))?.name || row.location;
  }
  list.replaceChildren(...rows.map((row) => {
    const node = fill(template, {
      at: row.at, at_text: row.at ? when(row.at) : "", location_name: locationNames[row.location],
      who: row.who ? `by ${row.who}` : "made on another tablet", state_label: row.state.label,
      state_detail: row.state.detail, lines: summary(row.lines, names), line_count: row.lines.length,
      transfers: row.transfers.map((t) => t.name).sort().join(", "),
    }).firstElementChild;
    node.dataset.state = row.state.key;
    return node;
  }));
  document.querySelector("[data-requisitions-empty]").hidden = rows.length > 0;
  const state = await db.get("meta", "synced_at");
  const synced = document.querySelector("[data-catalog-synced]");
  if (synced) synced.textContent = state ? when(new Date(state.value).toISOString()) : "not yet";
  list.dataset.rendered = String(Date.now());
}

function wireMine(list) {
  let running = Promise.resolve();
  const render = () => { running = running.then(() => renderMine(list)).catch((error) => console.warn(error)); };
  render();
  if (navigator.onLine !== false) Promise.resolve(syncCatalogNow()).finally(render);
  window.addEventListener("online", () => Promise.resolve(syncCatalogNow()).finally(render));
  setInterval(render, 15000);
}

const form = document.querySelector("form[data-action=requisition]");
if (form) wireRequisition(form);
const mine = document.querySelector("[data-requisitions]");
if (mine) wireMine(mine);
