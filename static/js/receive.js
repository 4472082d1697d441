// Receive on the device: the open receipts and a receipt's lines offline from the catalog (the same fragments
// pwa/receiving.py renders online), scans counted against the receipt lot by lot (GS1 lot and expiry from the scan,
// asked for when a lot-tracked item's scan has none), expired and soon-expiring lots said at once, the differences
// in words, the undo of the last scan, and the receipt saved to the outbox: what came up to what the receipt
// expects as one `receive`, what came over or beside it as another for the supervisor (receivingLines).

import { findItem } from "./catalog.js";
import { catalog, device, pageUser, save } from "./device.js";
import { number } from "./orders.js";
import { expiryState, receiptDifference, receiveView, receivingLines } from "./receipt.js";
import { deviceId, entries as outboxEntries } from "./outbox.js";
import { buildAction, fill, formValues, resolvers } from "./screens.js";

// Receipts this handheld has received already and not seen Odoo close (still open in its catalog).
async function receivedHere() {
  return new Set((await outboxEntries(await device))
    .filter((entry) => entry.action.type === "receive" && entry.state !== "failed" && !entry.action.note)
    .map((entry) => entry.action.receipt));
}

async function openReceipt(name) {
  const receipt = await (await catalog).get("receipts", name);
  return receipt && receipt.active !== false && !(await receivedHere()).has(name) ? receipt : null;
}

// pwa/receiving.py receipt_card
function receiptCard(receipt) {
  const units = (receipt.lines || []).reduce((sum, line) => sum + Number(line.qty), 0);
  const when = receipt.scheduled_at ? new Date(receipt.scheduled_at) : null;
  const scheduled = when ? `due ${when.toLocaleDateString("en-GB", { day: "2-digit", month: "short" })}` : "";
  return { name: receipt.name, details: [receipt.partner, receipt.origin, scheduled].filter(Boolean).join(" · "),
           line_count: (receipt.lines || []).length, units: number(units) };
}

// pwa/receiving.py check_view
async function checkView(receipt) {
  const db = await catalog;
  const location = await db.get("locations", receipt.location);
  const lines = [];
  for (const line of receipt.lines || []) {
    const product = await db.get("products", line.ref);
    lines.push({ ref: line.ref, name: product ? product.name : line.ref, qty: number(line.qty),
                 tracking: product ? product.tracking : "none", expected: number(line.qty) });
  }
  return { name: receipt.name, location: receipt.location, location_name: location ? location.name : receipt.location,
           partner: receipt.partner || "", origin: receipt.origin || "", lines };
}

resolvers.receipts = async (values) => {
  const done = await receivedHere();
  const cards = (await (await catalog).getAllFromIndex("receipts", "location", values.location))
    .filter((receipt) => receipt.active !== false && !done.has(receipt.name))
    .sort((a, b) => (a.scheduled_at || "").localeCompare(b.scheduled_at || "") || a.name.localeCompare(b.name))
    .map(receiptCard);
  return { receipts: cards, count: cards.length, none: cards.length ? "" : "yes" };
};

resolvers.receipt = async (values) => {
  const receipt = await openReceipt(values.name);
  return receipt ? checkView(receipt) : null;
};

resolvers["receive-item"] = async (values) => {
  const item = await findItem(await catalog, values.scan);
  return item && receiveView(item);
};

function wireReceiving(form) {
  const list = document.getElementById("rcv-list");
  const check = document.getElementById("rcv-check");
  const scanned = document.getElementById("rcv-scanned");
  const result = document.getElementById("rcv-result");
  const location = form.elements.namedItem("location");
  let received = [];  // { ref, name, tracking, units, lot, serial, expiry }, in scan order; undo takes the last

  const receiptName = () => check.querySelector("[data-rcv-check] input[name=receipt]")?.value || "";
  const rows = () => [...check.querySelectorAll("[data-rcv-row]")];
  const rowOf = (ref) => rows().find((row) => row.querySelector("input[name=ref]").value === ref);

  const tell = (text, kind = "ok") => {
    const note = document.createElement("p");
    note.className = "scanned";
    note.dataset.kind = kind;
    note.setAttribute("role", kind === "error" ? "alert" : "status");
    note.textContent = text;
    scanned.replaceChildren(note);
  };

  const render = () => {
    let short = 0;
    let over = 0;
    for (const row of rows()) {
      const ref = row.querySelector("input[name=ref]").value;
      const mine = received.filter((entry) => entry.ref === ref);
      const total = mine.reduce((sum, entry) => sum + entry.units, 0);
      const expected = Number(row.querySelector("input[name=expected]").value) || 0;
      const said = receiptDifference(expected, total, row.dataset.extra === "true");
      row.dataset.state = said.state;
      row.querySelector("[data-rcv-received]").textContent = number(total);
      row.querySelector("[data-check-note-text]").textContent = said.note;
      const lots = new Map();
      for (const entry of mine) {
        const key = [entry.lot, entry.serial, entry.expiry].join("|");
        const lot = lots.get(key) || { ...entry, units: 0 };
        lot.units += entry.units;
        lots.set(key, lot);
      }
      row.querySelector("[data-rcv-lots]").replaceChildren(...[...lots.values()].map((lot) => {
        const state = expiryState(lot.expiry);
        const node = fill(document.getElementById("tpl-rcv-lot"), {
          units: number(lot.units), lot: lot.lot, serial: lot.serial,
          no_lot: lot.lot || lot.serial || lot.tracking === "none" ? "" : "yes",
          expiry: lot.expiry, expiry_note: state === "expired" ? "EXPIRED" : state === "soon" ? "expires soon" : "",
        }).firstElementChild;
        node.dataset.expiryState = state;
        return node;
      }));
      if (said.state === "short" || said.state === "missing") short += 1;
      if (said.state === "over" || said.state === "extra") over += 1;
    }
    const summary = check.querySelector("[data-check-summary]");
    if (summary) {
      summary.textContent = short || over
        ? `${short} item(s) short, ${over} over or not on the receipt: received as scanned when you confirm.`
        : "Everything as expected.";
    }
  };

  const add = (entry) => {
    if (!receiptName()) {
      tell("Choose the receipt first, then scan what arrived.", "error");
      return false;
    }
    let row = rowOf(entry.ref);
    if (!row) {
      row = fill(document.getElementById("tpl-rcv-row"), { ref: entry.ref, name: entry.name, qty: 0,
                                                           expected: "none (not on this receipt)" }).firstElementChild;
      row.dataset.extra = "true";
      check.querySelector("[data-check-rows]").append(row);
    }
    received.push(entry);
    render();
    const total = received.filter((one) => one.ref === entry.ref).reduce((sum, one) => sum + one.units, 0);
    const state = expiryState(entry.expiry);
    const lotText = entry.lot ? `, lot ${entry.lot}` : entry.serial ? `, serial ${entry.serial}` : "";
    const expiryText = state === "expired" ? ` — EXPIRED on ${entry.expiry}: set it aside and tell your supervisor`
      : state === "soon" ? ` — expires soon (${entry.expiry})` : "";
    const extra = row.dataset.extra === "true" ? " — not on this receipt" : "";
    tell(`${entry.name}${lotText}: +${number(entry.units)}, ${number(total)} received${extra}${expiryText}.`,
         state === "expired" ? "error" : state || extra ? "warn" : "ok");
    const scanField = document.getElementById("rcv-scan");
    if (scanField) {
      scanField.value = "";
      scanField.focus({ preventScroll: true });
    }
    return true;
  };

  // The scanned item's form: the lot (or serial), expiry and units the line takes; checked before it counts.
  const entryFrom = (itemForm) => {
    const values = formValues(itemForm);
    const choice = itemForm.querySelector("input[data-line-choice]:checked");
    if (choice) Object.assign(values, JSON.parse(choice.value));
    const error = itemForm.querySelector("[data-item-error]");
    const fail = (text) => {
      error.textContent = text;
      error.hidden = false;
      return null;
    };
    const units = Number(values.units);
    if (!(units > 0)) return fail("The units received must be a number above zero.");
    if (values.tracking === "lot" && !values.lot) return fail("Type the lot printed on the box.");
    if (values.tracking === "serial" && !values.serial) return fail("Type the serial number printed on the item.");
    if (values.tracking === "serial" && units !== 1) return fail("One item per serial number: units must be 1.");
    return { ref: values.ref, name: values.name, tracking: values.tracking, units, lot: values.lot || "",
             serial: values.serial || "", expiry: values.expiry || "" };
  };

  const onScanAnswer = () => {
    const itemForm = scanned.querySelector("form[data-receive-item]");
    if (!itemForm) return;
    const value = (name) => itemForm.elements.namedItem(name).value;
    if (!value("needs_lot") && !value("needs_serial") && !value("ambiguous")) {
      const entry = entryFrom(itemForm);
      if (entry) add(entry);
    } else {
      itemForm.querySelector(value("needs_serial") ? "input[name=serial]" : "input[name=lot]")?.focus();
    }
  };

  // Scans one after another, none lost: a wedge scanner reads boxes faster than a lookup answers, and htmx drops a
  // request made while the form's last one is in flight. Each scan is looked up in turn (the server's fragment
  // online, the same template filled from the catalog offline) and counted before the next.
  const scanForm = document.querySelector("form[data-local=receive-item]");
  const waiting = [];
  let looking = false;
  const lookUp = async (raw) => {
    if (navigator.onLine !== false) {
      try {
        const response = await fetch(`${scanForm.getAttribute("hx-get")}?${new URLSearchParams({ scan: raw })}`,
                                     { headers: { "HX-Request": "true" } });
        if (response.ok && !response.redirected) return response.text();
      } catch {
        // No answer from the server: the device answers.
      }
    }
    const found = await resolvers["receive-item"]({ scan: raw });
    const template = document.getElementById(found ? "tpl-rcv-item" : "tpl-rcv-unknown");
    const holder = document.createElement("div");
    holder.append(fill(template, found || { scan: raw }));
    return holder.innerHTML;
  };
  const pump = async () => {
    if (looking) return;
    looking = true;
    try {
      while (waiting.length) {
        const html = await lookUp(waiting.shift());
        window.htmx.swap(scanned, html, { swapStyle: "innerHTML" });
        onScanAnswer();
      }
    } finally {
      looking = false;
    }
  };
  scanForm.addEventListener("submit", (event) => {
    event.preventDefault();
    event.stopImmediatePropagation();
    const field = scanForm.elements.namedItem("scan");
    if (!field.value.trim()) return;
    waiting.push(field.value.trim());
    field.value = "";
    pump();
  }, { capture: true });

  scanned.addEventListener("submit", (event) => {
    const itemForm = event.target.closest("form[data-receive-item]");
    if (!itemForm) return;
    event.preventDefault();
    event.stopPropagation();
    const entry = entryFrom(itemForm);
    if (entry) add(entry);
  });

  const markOpen = () => {
    const name = receiptName();
    for (const card of list.querySelectorAll(".receipt-card")) {
      const current = Boolean(name) && card.querySelector("input[name=name]").value === name;
      if (current) card.setAttribute("aria-current", "true");
      else card.removeAttribute("aria-current");
      card.querySelector("[data-current-badge]").hidden = !current;
    }
  };

  const onCheckLoaded = () => {
    received = [];
    result.replaceChildren();
    scanned.replaceChildren();
    markOpen();
    if (!check.querySelector("[data-rcv-check]")) return;
    render();
    document.getElementById("rcv-scan")?.focus({ preventScroll: true });
    if (check.getBoundingClientRect().top > window.innerHeight * 0.6) {
      document.getElementById("rcv-check-title").scrollIntoView({ block: "start" });
    }
  };

  const dropReceived = async () => {
    const done = await receivedHere();
    for (const card of list.querySelectorAll(".receipt-card")) {
      if (done.has(card.querySelector("input[name=name]").value)) card.remove();
    }
    const none = list.querySelector("[data-slot-show=none]");
    if (none) none.hidden = list.querySelector(".receipt-card") !== null;
    markOpen();
  };

  document.body.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target === check) onCheckLoaded();
    if (event.detail.target === list) dropReceived();
  });
  document.addEventListener("ws:local-answer", (event) => {
    const target = document.querySelector(event.detail.form.getAttribute("hx-target"));
    if (target === check) onCheckLoaded();
    if (target === list) dropReceived();
  });

  document.querySelector("[data-receive-undo]").addEventListener("click", () => {
    const last = received.pop();
    if (!last) {
      tell("Nothing to undo.", "warn");
      return;
    }
    const row = rowOf(last.ref);
    if (row && row.dataset.extra === "true" && !received.some((entry) => entry.ref === last.ref)) row.remove();
    render();
    tell(`Taken back: ${last.name} × ${number(last.units)}.`);
  });

  location.addEventListener("change", () => {
    check.replaceChildren();
    scanned.replaceChildren();
    received = [];
  });

  const refuse = (message) => {
    result.replaceChildren(fill(document.getElementById("tpl-refused"), { message }));
  };

  const confirm = async () => {
    const receipt = receiptName();
    if (!receipt) {
      refuse("Choose the receipt first, then scan what arrived.");
      return;
    }
    if (!received.length) {
      refuse("Nothing is scanned as received yet: scan each item as you unpack it.");
      return;
    }
    const expected = rows().filter((row) => row.dataset.extra !== "true").map((row) => ({
      ref: row.querySelector("input[name=ref]").value, qty: Number(row.querySelector("input[name=expected]").value) || 0 }));
    const { onReceipt, extras } = receivingLines({ expected, entries: received, receipt });
    const at = check.querySelector("input[name=check_location]").value;
    const values = { ...formValues(form), location: at, receipt };
    const id = await deviceId(await device);
    const actions = [];
    if (onReceipt.length) {
      actions.push(buildAction({ type: "receive", values, lines: onReceipt, user: pageUser, deviceId: id }));
    }
    if (extras.length) {
      const note = `Arrived with ${receipt} over or beside what it expects: for the supervisor to settle with the buyer.`;
      actions.push(buildAction({ type: "receive", values: { ...values, note }, lines: extras, user: pageUser,
                                 deviceId: id, now: new Date(Date.now() + 1) }));
    }
    for (const action of actions) await save(action);
    const short = expected.filter((line) => received.filter((entry) => entry.ref === line.ref)
      .reduce((sum, entry) => sum + entry.units, 0) < line.qty).length;
    const parts = [`${onReceipt.length} line(s) received`];
    if (short) parts.push(`${short} item(s) short, left on a backorder`);
    if (extras.length) parts.push(`${extras.length} over or not on the receipt, passed to your supervisor`);
    check.replaceChildren();
    scanned.replaceChildren();
    received = [];
    const label = location.selectedOptions[0]?.textContent.trim() || at;
    result.replaceChildren(fill(document.getElementById("tpl-rcv-saved"),
                                { receipt, location_label: label, summary: parts.join("; ") }));
    document.dispatchEvent(new CustomEvent("ws:action-saved", { detail: { form, action: actions[0], actions } }));
    window.htmx.trigger(form, "change");
  };

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    event.stopPropagation();
    const button = event.submitter;
    if (button) button.disabled = true;
    confirm()
      .catch((error) => refuse(`Not saved: ${error.message || error}. Try again.`))
      .finally(() => { if (button) button.disabled = false; });
  });
  document.documentElement.dataset.receiveReady = "true";
}

const form = document.querySelector("form[data-receive-action]");
if (form) wireReceiving(form);
