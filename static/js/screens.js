// How every workflow screen works, online and offline, declared in its templates with data-* attributes
// (README, "How screens work offline"):
//   data-local="<resolver>"  on an htmx form: offline (or when the server cannot be reached) the request is
//                            answered on the device by the resolver, filling <template id=data-local-template>
//                            (or data-local-missing when nothing is found) and swapping it as htmx would.
//   data-line-add="#list"    a form whose fields become one line of the action, shown with data-line-template.
//   data-lines-undo="#list"  removes the last line.
//   data-action="<type>"     the form that saves the action (with the lines of the lists data-action-lines
//                            selects: [data-line] entries and editable [data-line-fields] rows) to the outbox,
//                            then shows data-action-template in data-action-result: only after the commit, and
//                            tells the page with a "ws:action-saved" event ({ form, action }).
//   data-qty-step="<n>"      a button adding n (or taking it away) to its form's quantity, within its min and max.
//   data-required-when="<field>=<value>" (+ data-required-message): a field needed only when another has a value.
//   data-line-choice         on radios of a line form: the checked one's value is a JSON object of line fields the
//                            line takes over the form's own (the reading of a scan whose separators were dropped).
// A form's override_by and override_reason become the action's supervisor override of a stock freeze.

export const LINE_FIELDS = ["scan", "product", "qty", "lot", "expiry", "serial", "receipt", "reason", "count_session"];
export const ACTION_FIELDS = ["location", "encounter", "floor_charge", "transfer", "receipt", "count_session", "note"];
const NUMBER_FIELDS = new Set(["qty"]);

// Fills a <template> rendered by the server from the same fragment: data-slot gets the text, data-slot-value the
// value attribute, data-slot-show is hidden unless the value is set, data-slot-selected (an option) is selected
// and data-slot-checked (a radio) checked when the value is set, and data-slot-rows="<list>" gets one
// <template id=data-row-template> (on the page, or inside the template itself) filled per row of the list (a par
// list, a transfer's lines, a scan's readings). Returns the HTML htmx swaps in.
export function fill(template, data) {
  const fragment = template.content.cloneNode(true);
  const value = (name) => (data[name] === null || data[name] === undefined ? "" : String(data[name]));
  for (const node of fragment.querySelectorAll("[data-slot]")) node.textContent = value(node.dataset.slot);
  for (const node of fragment.querySelectorAll("[data-slot-value]")) {
    node.setAttribute("value", value(node.dataset.slotValue));
  }
  for (const node of fragment.querySelectorAll("[data-slot-show]")) {
    node.toggleAttribute("hidden", !data[node.dataset.slotShow]);
  }
  for (const node of fragment.querySelectorAll("[data-slot-selected]")) {
    node.toggleAttribute("selected", Boolean(data[node.dataset.slotSelected]));
  }
  for (const node of fragment.querySelectorAll("[data-slot-checked]")) {
    node.toggleAttribute("checked", Boolean(data[node.dataset.slotChecked]));
  }
  // Rows last, so the slots of the rows are theirs, not the page's.
  for (const node of fragment.querySelectorAll("[data-slot-rows]")) {
    const row = fragment.getElementById(node.dataset.rowTemplate) || templateById(node.dataset.rowTemplate);
    node.replaceChildren(...(data[node.dataset.slotRows] || []).map((item) => fill(row, item)));
  }
  return fragment;
}

export function fillHtml(template, data) {
  const holder = document.createElement("div");
  holder.append(fill(template, data));
  return holder.innerHTML;
}

function templateById(id) {
  const template = document.getElementById(id);
  if (!(template instanceof HTMLTemplateElement)) throw new Error(`no <template id="${id}"> on this page`);
  return template;
}

// Everything a form holds, as texts; a select also gives "<name>_label", the text of its chosen option.
export function formValues(form) {
  const values = {};
  for (const [name, value] of new FormData(form)) values[name] = typeof value === "string" ? value.trim() : value;
  for (const select of form.querySelectorAll("select[name]")) {
    values[`${select.name}_label`] = select.selectedOptions[0] ? select.selectedOptions[0].textContent.trim() : "";
  }
  return values;
}

// One line of an action from the line form: only the contract's line fields; "<field>_detail" joins its field.
export function lineFrom(values) {
  const line = {};
  for (const name of LINE_FIELDS) {
    let value = values[name];
    if (value === undefined || value === "") continue;
    if (values[`${name}_detail`]) value = `${value}: ${values[`${name}_detail`]}`;
    line[name] = NUMBER_FIELDS.has(name) ? Number(value) : value;
  }
  return line;
}

export function buildAction({ type, values, lines, user, deviceId, now = new Date(), makeId = () => crypto.randomUUID() }) {
  const action = { id: makeId(), type, created_at: now.toISOString(), device_id: deviceId };
  if (user) action.user = user;
  for (const name of ACTION_FIELDS) {
    if (values[name] === undefined || values[name] === "") continue;
    action[name] = name === "floor_charge" ? values[name] === "true" || values[name] === "on" : values[name];
  }
  if (values.override_by && values.override_reason) {
    action.override = { by: values.override_by, reason: values.override_reason };
  }
  action.lines = lines;
  return action;
}

// The lines of a list: each [data-line] carries its line's JSON; a [data-line-fields] row (a par list's, a
// delivery's) is the line its named fields say as the user left them, and is left out while its quantity is 0.
function linesOf(list) {
  return [...list.querySelectorAll("[data-line], [data-line-fields]")].map((node) => {
    if (node.hasAttribute("data-line")) return JSON.parse(node.dataset.line);
    const values = {};
    for (const field of node.querySelectorAll("input[name], select[name]")) values[field.name] = field.value.trim();
    const line = lineFrom(values);
    return line.qty > 0 ? line : null;
  }).filter(Boolean);
}

function refreshEmpty(list) {
  for (const note of document.querySelectorAll("[data-lines-empty]")) {
    if (document.querySelector(note.dataset.linesEmpty) === list) note.hidden = list.children.length > 0;
  }
}

function showRefusal(where, message) {
  where.replaceChildren(fill(templateById("tpl-refused"), { message }));
}

function requiredMissing(form, values) {
  for (const field of form.querySelectorAll("[data-required-when]")) {
    const [name, expected] = field.dataset.requiredWhen.split("=");
    if (values[name] === expected && !values[field.name]) return field;
  }
  return null;
}

function addLine(form) {
  if (!form.reportValidity()) return;
  const values = formValues(form);
  const choice = form.querySelector("input[data-line-choice]:checked");
  if (choice) Object.assign(values, JSON.parse(choice.value));
  const missing = requiredMissing(form, values);
  if (missing) {
    missing.setCustomValidity(missing.dataset.requiredMessage || "Say what happened.");
    missing.reportValidity();
    missing.addEventListener("input", () => missing.setCustomValidity(""), { once: true });
    return;
  }
  const list = document.querySelector(form.dataset.lineAdd);
  const line = lineFrom(values);
  const node = fill(templateById(form.dataset.lineTemplate), values).firstElementChild;
  node.dataset.line = JSON.stringify(line);
  list.append(node);
  refreshEmpty(list);
  form.remove();
  const scan = document.querySelector("form[data-local] input[name=scan]");
  if (scan) {
    scan.value = "";
    scan.focus();
  }
}

// Offline lookups: the resolvers a screen may name in data-local. Each returns the data for the template or null.
export const resolvers = {};

async function answerLocally(form, values) {
  const resolver = resolvers[form.dataset.local];
  if (!resolver) throw new Error(`no local resolver "${form.dataset.local}"`);
  const found = await resolver(values);
  const id = found ? form.dataset.localTemplate : form.dataset.localMissing;
  const html = fillHtml(templateById(id), found || values);
  const target = document.querySelector(form.getAttribute("hx-target")) || form;
  window.htmx.swap(target, html, { swapStyle: form.getAttribute("hx-swap") || "innerHTML" });
  document.dispatchEvent(new CustomEvent("ws:local-answer", { detail: { form, found: Boolean(found) } }));
}

function isOffline() {
  return navigator.onLine === false;
}

// htmx asks the server while there is a network; a form with data-local is answered on the device otherwise.
function wireHtmx(body) {
  body.addEventListener("htmx:configRequest", (event) => {
    const token = document.querySelector("meta[name=csrf-token]");
    if (token) event.detail.headers["X-CSRFToken"] = token.content;
    const form = event.detail.elt.closest("[data-local]");
    if (form && isOffline()) {
      event.preventDefault();
      answerLocally(form, formValues(form));
    }
  });
  const fallBack = (event) => {
    const form = event.detail.elt.closest("[data-local]");
    const status = event.detail.xhr ? event.detail.xhr.status : 0;
    // 401: the page session ended (idle sign-out) while the screen stayed open; the device still knows the answer.
    const unanswered = event.type === "htmx:sendError" || status === 0 || status === 401 || status >= 500;
    if (form && unanswered) answerLocally(form, formValues(form));
  };
  body.addEventListener("htmx:sendError", fallBack);
  body.addEventListener("htmx:responseError", fallBack);
}

// Saving: the action goes into the outbox; the screen says "saved" only once that write has committed.
async function saveActionForm(form, device) {
  const result = document.querySelector(form.dataset.actionResult);
  const lists = form.dataset.actionLines ? [...document.querySelectorAll(form.dataset.actionLines)] : [];
  const lines = lists.flatMap(linesOf);
  if (!lines.length) {
    showRefusal(result, "Add at least one line first: scan an item.");
    return;
  }
  const values = formValues(form);
  const refusal = await device.refusal(form.dataset.action, values);
  if (refusal) {
    showRefusal(result, refusal);
    return;
  }
  const action = buildAction({ type: form.dataset.action, values, lines, user: device.user,
                               deviceId: await device.deviceId() });
  await device.save(action);
  for (const list of lists) {
    list.replaceChildren();
    refreshEmpty(list);
  }
  result.replaceChildren(fill(templateById(form.dataset.actionTemplate),
                              { ...values, lines: lines.length, id: action.id, type: action.type }));
  document.dispatchEvent(new CustomEvent("ws:action-saved", { detail: { form, action } }));
}

// The quantity buttons: one more or one less, never past the field's limits.
function stepQuantity(button) {
  const field = button.closest("form")?.querySelector("input[name=qty]");
  if (!field) return;
  const min = field.min === "" ? 0 : Number(field.min);
  const max = field.max === "" ? Infinity : Number(field.max);
  const next = (Number(field.value) || 0) + Number(button.dataset.qtyStep);
  field.value = String(Math.min(max, Math.max(min, next)));
  field.dispatchEvent(new Event("input", { bubbles: true }));
}

// `device` gives the screens their storage: { user, deviceId(), save(action), refusal(type, values) }.
export function wireScreens(device) {
  const body = document.body;
  wireHtmx(body);
  body.addEventListener("submit", (event) => {
    const form = event.target;
    if (form.matches("[data-line-add]")) {
      event.preventDefault();
      addLine(form);
    } else if (form.matches("[data-action]")) {
      event.preventDefault();
      const button = event.submitter;
      if (button) button.disabled = true;
      saveActionForm(form, device)
        .catch((error) => showRefusal(document.querySelector(form.dataset.actionResult),
                                      `Not saved: ${error.message || error}. Try again.`))
        .finally(() => { if (button) button.disabled = false; });
    }
  });
  body.addEventListener("click", (event) => {
    const step = event.target.closest("[data-qty-step]");
    if (step) stepQuantity(step);
    const undo = event.target.closest("[data-lines-undo]");
    if (!undo) return;
    const list = document.querySelector(undo.dataset.linesUndo);
    if (list && list.lastElementChild) list.lastElementChild.remove();
    refreshEmpty(list);
  });
  for (const list of document.querySelectorAll("[data-lines]")) refreshEmpty(list);
}
