// Confirm arrival on the device: the open transfers and a transfer's lines offline from the catalog (the same
// fragments pwa/arrival.py renders online), scans counted against the transfer being checked in, the differences in
// words, the undo of the last change, and the confirmation saved to the outbox: what arrived of the transfer as one
// transfer_confirm, what came on top of it as another (orders.js confirmationLines). This screen saves its own
// actions (two of them), so screens.js never sees its form's submit.

import { findItem } from "./catalog.js";
import { catalog, device, frozenAt, frozenMessage, pageUser, save } from "./device.js";
import { wireFreeze } from "./freeze.js";
import { arrivalLines, confirmationLines, difference, number, OPEN_STATUSES, orderUnit,
         STATUS_LABELS } from "./orders.js";
import { deviceId, entries } from "./outbox.js";
import { buildAction, fill, formValues, resolvers } from "./screens.js";

// pwa/arrival.py quantity_words
function quantityWords(qty, packQty) {
  if (packQty > 1 && qty && qty % packQty === 0) {
    return `${number(qty)} (${number(qty / packQty)} × box of ${number(packQty)})`;
  }
  return number(qty);
}

// Transfers this tablet has confirmed already (pwa/transfers.py confirmed_names, for what the server has not seen).
async function confirmedHere() {
  return new Set((await entries(await device))
    .filter((entry) => entry.action.type === "transfer_confirm" && entry.state !== "failed")
    .map((entry) => entry.action.transfer));
}

async function openTransfer(name) {
  const transfer = await (await catalog).get("transfers", name);
  const open = transfer && transfer.active !== false && OPEN_STATUSES.includes(transfer.status);
  return open && !(await confirmedHere()).has(name) ? transfer : null;
}

// pwa/arrival.py transfer_card
function transferCard(transfer) {
  const units = (transfer.lines || []).reduce((sum, line) => sum + Number(line.qty), 0);
  return { name: transfer.name, status: transfer.status, status_label: STATUS_LABELS[transfer.status],
           scheduled_at: transfer.scheduled_at || "", line_count: (transfer.lines || []).length, units: number(units),
           requisition: transfer.requisition || "" };
}

// pwa/arrival.py check_view
async function checkView(transfer) {
  const db = await catalog;
  const location = await db.get("locations", transfer.location);
  const lines = [];
  for (const line of transfer.lines || []) {
    const product = await db.get("products", line.ref);
    const packQty = product ? orderUnit(product).packQty : 1;
    lines.push({ ref: line.ref, name: product ? product.name : line.ref, qty: number(line.qty),
                 pack_qty: number(packQty), expected: quantityWords(Number(line.qty), packQty) });
  }
  return { name: transfer.name, location: transfer.location,
           location_name: location ? location.name : transfer.location,
           status_label: STATUS_LABELS[transfer.status], lines };
}

resolvers.transfers = async (values) => {
  const done = await confirmedHere();
  const cards = (await (await catalog).getAllFromIndex("transfers", "location", values.location))
    .filter((transfer) => transfer.active !== false && OPEN_STATUSES.includes(transfer.status) &&
                          !done.has(transfer.name))
    .sort((a, b) => (a.scheduled_at || "").localeCompare(b.scheduled_at || "") || a.name.localeCompare(b.name))
    .map(transferCard);
  return { transfers: cards, count: cards.length, none: cards.length ? "" : "yes" };
};

resolvers.transfer = async (values) => {
  const transfer = await openTransfer(values.name);
  return transfer ? checkView(transfer) : null;
};

// An item, or an open transfer's reference scanned from its delivery note (pwa/arrival.py item).
resolvers["arrival-item"] = async (values) => {
  const item = await findItem(await catalog, values.scan);
  if (item) return { ...item, named: "" };
  const named = await openTransfer(String(values.scan || "").trim());
  return named ? { ref: "", name: "", pack_qty: 1, named: named.name } : null;
};

function wireArrival(form) {
  const list = document.getElementById("arr-list");
  const check = document.getElementById("arr-check");
  const scanned = document.getElementById("arr-scanned");
  const result = document.getElementById("arr-result");
  const opener = document.getElementById("arr-open");
  const location = form.elements.namedItem("location");
  // Each entry is one change the user made: [{ row, before }] (a quantity) or [{ row, added: true }] (an extra).
  let history = [];

  const rows = () => [...check.querySelectorAll("[data-check-row]")];
  const field = (row, name) => row.querySelector(`input[name="${name}"]`);
  const transferName = () => check.querySelector("[data-check] input[name=transfer]")?.value || "";

  const refresh = () => {
    let short = 0;
    let extra = 0;
    for (const row of rows()) {
      const said = difference(Number(field(row, "expected").value) || 0, Number(field(row, "qty").value) || 0,
                              row.dataset.extra === "true");
      row.dataset.state = said.state;
      row.querySelector("[data-check-note-text]").textContent = said.note;
      if (said.state === "short" || said.state === "missing") short += 1;
      if (said.state === "extra") extra += 1;
    }
    const summary = check.querySelector("[data-check-summary]");
    if (summary) {
      summary.textContent = short || extra
        ? `${short} item(s) short, ${extra} with extras: recorded as counted when you confirm.`
        : "Everything as expected.";
    }
  };

  const tell = (text, kind = "ok") => {
    const note = document.createElement("p");
    note.className = "scanned";
    note.dataset.kind = kind;
    note.setAttribute("role", kind === "error" ? "alert" : "status");
    note.textContent = text;
    scanned.replaceChildren(note);
  };

  // A scanned item counts on its line of the transfer, or as an extra line.
  const countScan = (ref, name, packQty) => {
    if (!transferName()) {
      tell("Choose the delivery first (or scan its delivery note), then scan what arrived.", "error");
      return;
    }
    let row = rows().find((candidate) => field(candidate, "ref").value === ref);
    if (row) {
      history.push([{ row, before: field(row, "qty").value }]);
    } else {
      row = fill(document.getElementById("tpl-arr-row"),
                 { ref, name, qty: 0, pack_qty: packQty, expected: "none (not on this transfer)" }).firstElementChild;
      row.dataset.extra = "true";
      check.querySelector("[data-check-rows]").append(row);
      history.push([{ row, added: true }]);
    }
    const qty = field(row, "qty");
    qty.value = String((Number(qty.value) || 0) + packQty);
    refresh();
    const got = Number(qty.value);
    const expected = Number(field(row, "expected").value) || 0;
    if (row.dataset.extra === "true") tell(`${name}: not on this transfer — counted as extra (${number(got)}).`, "warn");
    else tell(`${name}: ${number(got)} of ${number(expected)} received.`, got > expected ? "warn" : "ok");
  };

  const openByName = (name) => {
    opener.elements.namedItem("name").value = name;
    opener.requestSubmit();
  };

  const onScanAnswer = () => {
    const scanField = document.getElementById("arr-scan");
    if (scanField) scanField.value = "";
    const item = scanned.querySelector("[data-scanned]:not([hidden])");
    const named = scanned.querySelector("[data-named-transfer]:not([hidden])");
    if (item) {
      const value = (name) => item.querySelector(`input[name="${name}"]`).value;
      countScan(value("ref"), value("name"), Number(value("pack_qty")) || 1);
    } else if (named) {
      openByName(named.querySelector("input[name=named]").value);
    }
  };

  // The transfer being checked in is marked in the list; on a phone the check-in is brought into view.
  const markOpen = () => {
    const name = transferName();
    for (const card of list.querySelectorAll(".transfer-card")) {
      const current = Boolean(name) && card.querySelector("input[name=name]").value === name;
      if (current) card.setAttribute("aria-current", "true");
      else card.removeAttribute("aria-current");
      card.querySelector("[data-current-badge]").hidden = !current;
    }
  };

  const onCheckLoaded = () => {
    history = [];
    result.replaceChildren();
    scanned.replaceChildren();
    markOpen();
    if (!check.querySelector("[data-check]")) return;
    refresh();
    document.getElementById("arr-scan")?.focus({ preventScroll: true });
    if (check.getBoundingClientRect().top > window.innerHeight * 0.6) {
      document.getElementById("arr-check-title").scrollIntoView({ block: "start" });
    }
  };

  // The server lists what it has not seen confirmed; what this tablet confirmed and has yet to send goes too.
  const dropConfirmed = async () => {
    const done = await confirmedHere();
    for (const card of list.querySelectorAll(".transfer-card")) {
      if (done.has(card.querySelector("input[name=name]").value)) card.remove();
    }
    const none = list.querySelector("[data-slot-show=none]");
    if (none) none.hidden = list.querySelector(".transfer-card") !== null;
    markOpen();
  };

  document.body.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target === scanned) onScanAnswer();
    if (event.detail.target === check) onCheckLoaded();
    if (event.detail.target === list) dropConfirmed();
  });
  document.addEventListener("ws:local-answer", (event) => {
    const target = document.querySelector(event.detail.form.getAttribute("hx-target"));
    if (target === scanned && event.detail.found) onScanAnswer();
    if (target === check) onCheckLoaded();
  });

  // Quantities typed or stepped are changes too, undone like a scan. The step buttons are applied by screens.js
  // on the same click, after this listener: the value read here is the one before.
  check.addEventListener("click", (event) => {
    const step = event.target.closest("[data-qty-step]");
    if (step) {
      const row = step.closest("[data-check-row]");
      history.push([{ row, before: field(row, "qty").value }]);
    }
  });
  check.addEventListener("focusin", (event) => {
    if (event.target.matches("input[name=qty]")) event.target.dataset.before = event.target.value;
  });
  check.addEventListener("change", (event) => {
    const input = event.target;
    if (input.matches("input[name=qty]") && input.dataset.before !== input.value) {
      history.push([{ row: input.closest("[data-check-row]"), before: input.dataset.before || "0" }]);
      input.dataset.before = input.value;
    }
  });
  check.addEventListener("input", refresh);
  // Enter in a quantity field must not submit its row.
  check.addEventListener("submit", (event) => event.preventDefault());

  document.querySelector("[data-arrival-undo]").addEventListener("click", () => {
    const last = history.pop();
    if (!last) {
      tell("Nothing to undo.", "warn");
      return;
    }
    for (const change of last) {
      if (change.added) change.row.remove();
      else field(change.row, "qty").value = change.before;
    }
    refresh();
    tell("Last change undone.");
  });

  document.querySelector("[data-arrival-all]").addEventListener("click", () => {
    const changes = rows().filter((row) => row.dataset.extra !== "true").map((row) => {
      const qty = field(row, "qty");
      const change = { row, before: qty.value };
      qty.value = field(row, "expected").value;
      return change;
    });
    if (!changes.length) {
      tell("Choose the delivery first.", "error");
      return;
    }
    history.push(changes);
    refresh();
    tell("Every line set to what the transfer carries: change any that differ.");
  });

  // A count at the location is said as soon as the location is chosen, and a supervisor may override it.
  wireFreeze(form, { result });
  location.addEventListener("change", () => {
    check.replaceChildren();
    scanned.replaceChildren();
    history = [];
  });

  const refuse = (message) => {
    result.replaceChildren(fill(document.getElementById("tpl-refused"), { message }));
  };

  const confirm = async () => {
    const transfer = transferName();
    if (!transfer) {
      refuse("Choose the delivery first, then scan what arrived.");
      return;
    }
    const expected = [];
    const received = {};
    for (const row of rows()) {
      const ref = field(row, "ref").value;
      if (row.dataset.extra !== "true") expected.push({ ref, qty: Number(field(row, "expected").value) || 0 });
      received[ref] = (received[ref] || 0) + (Number(field(row, "qty").value) || 0);
    }
    const checked = arrivalLines({ expected, received });
    const { confirmed, extras } = confirmationLines(checked);
    if (!confirmed.length && !extras.length) {
      refuse("Nothing is counted as received yet: scan what arrived, or use “All arrived as listed”.");
      return;
    }
    const frozen = form.elements.namedItem("override_by").value ? null : await frozenAt(location.value);
    if (frozen) {
      refuse(frozenMessage(frozen));
      return;
    }
    const values = { ...formValues(form), transfer };
    const id = await deviceId(await device);
    const actions = [];
    if (confirmed.length) {
      actions.push(buildAction({ type: "transfer_confirm", values, lines: confirmed, user: pageUser, deviceId: id }));
    }
    if (extras.length) {
      const note = `Arrived with ${transfer} on top of what it carries: for the supervisor to settle with the store.`;
      actions.push(buildAction({ type: "transfer_confirm", values: { ...values, note }, lines: extras,
                                 user: pageUser, deviceId: id, now: new Date(Date.now() + 1) }));
    }
    for (const action of actions) await save(action);
    const short = checked.filter((row) => !row.extra && row.received < row.qty).length;
    const parts = [`${confirmed.length} item(s) confirmed`];
    if (short) parts.push(`${short} short, left on a backorder`);
    if (extras.length) parts.push(`${extras.length} extra, passed to your supervisor`);
    check.replaceChildren();
    scanned.replaceChildren();
    history = [];
    result.replaceChildren(fill(document.getElementById("tpl-arr-saved"),
                                { transfer, location_label: values.location_label, summary: parts.join("; ") }));
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
}

const form = document.querySelector("form[data-arrival-action]");
if (form) wireArrival(form);
