// The device side the ward screens share (Issue, Return), on top of screens.js and the scan pipeline:
// - the encounter step: a wristband scanned anywhere on the page or a number typed, checked against the hospital's
//   encounter pattern; the shift's recent encounters (encounters.js) one tap away; a floor charge where the page
//   offers it (the server enforces who may: FLOOR_CHARGE_ROLES). On Issue nothing is added before the patient is
//   chosen, and the patient cannot change under lines not yet confirmed;
// - a stock freeze at the chosen location: its message and a supervisor's override of one action (freeze.js);
// - the offline lookups of their item fragments (the fields pwa/issue.py and pwa/returns.py add to an item).

import { findItem } from "./catalog.js";
import { catalog, device, pageUser } from "./device.js";
import { recentEncounters, rememberEncounter } from "./encounters.js";
import { wireFreeze } from "./freeze.js";
import { knownUser } from "./outbox.js";
import { resolvers } from "./screens.js";
import { signal } from "./scan/feedback.js";
import { DEFAULT_ENCOUNTER_PATTERN } from "./scan/pipeline.js";

// pwa/issue.py issue_view
resolvers["issue-item"] = async (values) => {
  const item = await findItem(await catalog, values.scan);
  return item && { ...item, charge_note: item.billable ? "Billable" : "" };
};

// pwa/returns.py return_view
resolvers["return-item"] = async (values) => {
  const item = await findItem(await catalog, values.scan);
  if (!item) return null;
  const needsLot = ["lot", "serial"].includes(item.tracking) && !(item.lot || item.serial || item.ambiguous);
  return { ...item, needs_lot: needsLot ? "yes" : "",
           lot_label: item.tracking === "serial" ? "Serial number" : "Lot number" };
};

const encounterPattern = new RegExp(
  document.querySelector('meta[name="ws-encounter-pattern"]')?.content || DEFAULT_ENCOUNTER_PATTERN);

// A typed encounter as the pattern wants it (wristbands print capitals; people type either), or null.
export function encounterFrom(raw, pattern = encounterPattern) {
  const text = String(raw ?? "").trim();
  if (pattern.test(text)) return text;
  return pattern.test(text.toUpperCase()) ? text.toUpperCase() : null;
}

function plural(count, one, many) {
  return `${count} ${count === 1 ? one : many}`;
}

function wardScreen(form) {
  const step = document.querySelector("[data-encounter-step]");
  const entryForm = step.querySelector("[data-encounter-form]");
  const entry = entryForm.elements.namedItem("encounter_entry");
  const entryError = step.querySelector("[data-encounter-error]");
  const chosenBox = step.querySelector("[data-encounter-chosen]");
  const recentBox = step.querySelector("[data-recent]");
  const recentList = step.querySelector("[data-recent-list]");
  const needsEncounter = document.querySelector("[data-needs-encounter]");
  const lines = document.querySelector(form.dataset.actionLines);
  const result = document.querySelector(form.dataset.actionResult);
  const scanField = document.querySelector("form[data-local] input[name=scan]");
  const required = form.hasAttribute("data-encounter-required");
  const field = (name) => form.elements.namedItem(name);
  const location = field("location");
  const locationLabel = () => location.selectedOptions[0]?.textContent.trim() || location.value;
  let session = null;

  const current = () => ({ encounter: field("encounter").value, floor: field("floor_charge").value === "true" });
  const hasPatient = () => Boolean(current().encounter || current().floor);
  const describe = ({ encounter, floor }) => (floor ? `the floor charge of ${locationLabel()}` : `encounter ${encounter}`);

  const scanStatus = (text, kind) => {
    const status = document.querySelector("[data-scan-status]");
    if (!status) return;
    status.textContent = text;
    status.dataset.kind = kind;
  };

  const showError = (text) => {
    entryError.textContent = text;
    entryError.hidden = !text;
    entry.toggleAttribute("aria-invalid", Boolean(text));
  };

  const renderRecent = () => {
    const { encounter } = current();
    const shown = recentEncounters(localStorage, { login: pageUser, session }).filter((e) => e !== encounter);
    recentList.replaceChildren(...shown.map((number) => {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "button recent-encounter";
      button.dataset.encounterPick = number;
      button.textContent = number;
      const item = document.createElement("li");
      item.append(button);
      return item;
    }));
    recentBox.hidden = shown.length === 0;
  };

  const render = () => {
    const { encounter, floor } = current();
    const chosen = Boolean(encounter || floor);
    chosenBox.hidden = !chosen;
    entryForm.hidden = chosen;
    chosenBox.querySelector("[data-chosen-encounter]").hidden = !encounter;
    chosenBox.querySelector("[data-encounter-shown]").textContent = encounter;
    chosenBox.querySelector("[data-chosen-floor]").hidden = !floor;
    chosenBox.querySelector("[data-floor-shown]").textContent = locationLabel();
    if (needsEncounter) needsEncounter.hidden = chosen;
    step.dataset.chosen = String(chosen);
    renderRecent();
  };

  // Lines not yet confirmed belong to the patient they were scanned for: the patient changes only without them.
  const heldByLines = (next) => {
    const now = current();
    const same = now.encounter === (next.encounter || "") && now.floor === Boolean(next.floor);
    if (!lines.children.length || same || !hasPatient()) return null;
    return `${plural(lines.children.length, "line is", "lines are")} waiting for ${describe(now)}: confirm or undo ` +
           `${lines.children.length === 1 ? "it" : "them"} before changing the patient.`;
  };

  const showHeld = (text) => {
    const note = chosenBox.querySelector("[data-encounter-held]");
    note.textContent = text ? "Confirm or undo the waiting lines first: they belong to this patient." : "";
    note.hidden = !text;
    if (text) scanStatus(text, "error");
  };

  const choose = (next) => {
    const held = heldByLines(next);
    showHeld(held || "");
    if (held) return false;
    field("encounter").value = next.encounter || "";
    field("floor_charge").value = next.floor ? "true" : "";
    if (next.encounter) rememberEncounter(localStorage, next.encounter, { login: pageUser, session });
    showError("");
    entry.value = "";
    render();
    return true;
  };

  const clearPatient = () => {
    field("encounter").value = "";
    field("floor_charge").value = "";
    showHeld("");
    render();
  };

  entryForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const encounter = encounterFrom(entry.value);
    if (!encounter) {
      showError(entry.value.trim()
        ? `“${entry.value.trim()}” is not an encounter number. Scan the wristband, or type the number printed on it.`
        : "Scan the wristband, or type the encounter number.");
      entry.focus();
      return;
    }
    if (choose({ encounter })) scanField?.focus();
  });

  step.addEventListener("click", (event) => {
    const pick = event.target.closest("[data-encounter-pick]");
    if (pick && choose({ encounter: pick.dataset.encounterPick })) scanField?.focus();
    if (event.target.closest("[data-floor-charge]") && choose({ floor: true })) scanField?.focus();
    if (event.target.closest("[data-encounter-change]")) {
      const held = heldByLines({});
      showHeld(held || "");
      if (held) return;
      clearPatient();
      entry.focus();
    }
  });

  // Scans: a wristband anywhere chooses the patient; on Issue an item before the patient is refused.
  const pipeline = window.wardScan?.pipeline;
  // The wristband held in front of the camera a moment longer is the same patient: no question, no repeat beep.
  const sameWristband = (answer) => answer.type === "bounce" && Boolean(current().encounter)
    && encounterFrom(answer.raw) === current().encounter;
  if (pipeline) {
    const feedback = pipeline.feedback;
    pipeline.feedback = (kind, answer) => { if (!sameWristband(answer)) feedback(kind, answer); };
    const screenAnswer = pipeline.onResult;
    pipeline.onResult = (answer) => {
      if (sameWristband(answer)) return;
      if (answer.type === "encounter") {
        if (choose({ encounter: answer.encounter })) {
          screenAnswer(answer);
          scanStatus(required ? `Encounter ${answer.encounter}: now scan the items.`
            : `Encounter ${answer.encounter}: its charge is reversed for billable items.`, "ok");
        } else {
          signal("error");
        }
        return;
      }
      if (required && !hasPatient() && ["item", "bin", "unknown"].includes(answer.type)) {
        signal("error");
        scanStatus(answer.type === "unknown"
          ? `“${answer.raw}” is not an encounter number. Scan the patient's wristband first, then the items.`
          : "Scan the patient's wristband (or type the encounter number) first, then the items.", "error");
        return;
      }
      screenAnswer(answer);
    };
  }

  // Confirming an issue with no patient: refused here, before anything is saved.
  document.addEventListener("submit", (event) => {
    if (event.target !== form || !required || hasPatient()) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    const refused = document.getElementById("tpl-refused").content.firstElementChild.cloneNode(true);
    refused.textContent = "Scan the patient's wristband or type the encounter number first" +
      (step.querySelector("[data-floor-charge]") ? ", or choose a floor charge." : ".");
    result.replaceChildren(refused);
    entry.focus();
  }, true);

  // A count at the location: its message and the supervisor's override (freeze.js, shared with Waste and arrival).
  const freeze = wireFreeze(form, { result });
  location.addEventListener("change", render);
  form.addEventListener("submit", () => setTimeout(freeze.check, 0));

  // Saved: the next patient starts afresh (one tap on "Earlier this shift" brings this one back).
  document.addEventListener("ws:action-saved", (event) => {
    if (event.detail.form !== form) return;
    scanStatus("", "");
    clearPatient();
  });

  // A choice the nurse made once (the return reason) stays chosen on the next item card.
  const remembered = {};
  document.addEventListener("change", (event) => {
    const select = event.target.closest("select[data-remember-choice]");
    if (select) remembered[select.dataset.rememberChoice] = select.value;
  });
  const restoreChoices = () => {
    for (const select of document.querySelectorAll("select[data-remember-choice]")) {
      const value = remembered[select.dataset.rememberChoice];
      if (value && [...select.options].some((option) => option.value === value)) select.value = value;
    }
  };
  document.body.addEventListener("htmx:afterSwap", restoreChoices);
  document.addEventListener("ws:local-answer", restoreChoices);

  (async () => {
    session = (await knownUser(await device, pageUser))?.signed_in_at ?? null;
    render();
    document.documentElement.dataset.wardReady = "true";
  })();
  render();
}

const form = document.querySelector("form[data-ward-screen]");
if (form) wardScreen(form);
