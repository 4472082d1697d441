// Puts the scan pipeline on every screen that has a scan form (a form[data-local] with an input named "scan", see
// screens.js): keyboard-wedge scanners work without focusing the field, the camera button scans with the device's
// camera, typed codes go through the same pipeline, and every result gets sound, vibration and a flash.
// An item is handed to the screen by filling its scan field and submitting the form, so the screen shows it the
// same way online (htmx) and offline (its local resolver). Unknown barcodes get a one-tap report for the supervisor.

import { findItem } from "../catalog.js";
import { catalog, device, pageUser } from "../device.js";
import { knownUser } from "../outbox.js";
import { CameraScanner } from "./camera.js";
import { primeAudio, signal } from "./feedback.js";
import { DEFAULT_ENCOUNTER_PATTERN, ScanPipeline } from "./pipeline.js";
import { openReports, queueReport, sendReports, shrinkPhoto } from "./report.js";
import { attachWedge } from "./wedge.js";

const STYLESHEET = new URL("../../css/scan.css", import.meta.url).href;
const meta = (name) => document.querySelector(`meta[name="${name}"]`)?.content || null;

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === true) node.setAttribute(name, "");
    else if (value !== false && value !== null) node.setAttribute(name, value);
  }
  node.append(...children);
  return node;
}

// The device catalog as the pipeline asks it: an item for a scan, a location for a code.
export const deviceCatalog = {
  async item(raw) {
    return findItem(await catalog, raw);
  },
  async location(code) {
    return (await (await catalog).get("locations", code)) || null;
  },
};

const reports = openReports();

async function tokenFor(login) {
  const user = await knownUser(await device, login || pageUser);
  return user?.token || null;
}

export async function sendPendingReports() {
  if (navigator.onLine === false) return null;
  return sendReports(await reports, { tokenFor });
}

// The panel under the scan form: what the last scan was, the repeat question, the unknown item report, the camera.
function buildPanel(form) {
  const status = el("p", { class: "scan-status", role: "status", "aria-live": "polite", "data-scan-status": true });
  const confirmText = el("span");
  const confirm = el("div", { class: "scan-confirm", hidden: true, "data-scan-confirm": true }, confirmText,
                     el("button", { type: "button", class: "button primary", "data-scan-again": true }, "Add again"),
                     el("button", { type: "button", class: "button", "data-scan-ignore": true }, "Ignore"));
  const reportText = el("span", { "data-report-text": true });
  const note = el("input", { class: "field", type: "text", name: "report_note", maxlength: "500",
                             autocomplete: "off", id: "scan-report-note" });
  const photo = el("input", { class: "field", type: "file", name: "report_photo", accept: "image/*",
                              capture: "environment", id: "scan-report-photo" });
  const report = el("div", { class: "scan-report card", hidden: true, "data-scan-report": true },
                    el("p", {}, reportText),
                    el("label", { for: "scan-report-note" }, "Where did you find it? (optional)"), note,
                    el("label", { for: "scan-report-photo" }, "Photo of the label (optional)"), photo,
                    el("button", { type: "button", class: "button primary wide", "data-report-send": true },
                       "Report unknown item"));
  const video = el("video", { class: "camera-video", muted: true, playsinline: true, "aria-label": "Camera" });
  const torch = el("button", { type: "button", class: "button", hidden: true, "data-camera-torch": true },
                   "Torch");
  const camera = el("div", { class: "camera", hidden: true, "data-camera": true }, video,
                    el("div", { class: "camera-buttons" }, torch,
                       el("button", { type: "button", class: "button", "data-camera-close": true }, "Close camera")));
  const panel = el("div", { class: "scan-panel" }, status, confirm, report, camera);
  form.after(panel);
  const open = el("button", { type: "button", class: "button", "data-camera-open": true }, "Camera");
  (form.querySelector(".scan-row") || form).append(open);
  return { status, confirm, confirmText, report, reportText, note, photo, camera, video, torch, open };
}

function show(panel, text, kind) {
  panel.status.textContent = text || "";
  panel.status.dataset.kind = kind;
}

function selectOption(select, value) {
  if (!select || ![...select.options].some((option) => option.value === value)) return false;
  select.value = value;
  select.dispatchEvent(new Event("change", { bubbles: true }));
  return true;
}

// Lot, expiry or serial that came on a label of their own and could not be folded into the item's scan: carried
// as fields of the line (screens.js takes them from the item form).
function addDetails(target, details) {
  const form = target.querySelector("form[data-line-add]");
  if (!form) return;
  for (const [name, value] of Object.entries(details)) {
    if (!value) continue;
    let input = form.querySelector(`input[name="${name}"]`);
    if (!input) {
      input = el("input", { type: "hidden", name });
      form.append(input);
    }
    input.value = value;
    const slot = form.querySelector(`[data-slot="${name}"]`);
    if (slot) slot.textContent = value;
    form.querySelector(`[data-slot-show="${name}"]`)?.removeAttribute("hidden");
  }
}

export function attachScanning(form) {
  const input = form.querySelector("input[name=scan]");
  const target = document.querySelector(form.getAttribute("hx-target")) || form;
  const actionForm = document.querySelector("form[data-action]");
  const panel = buildPanel(form);
  const state = { awaiting: null, details: null, bounced: null, unknownRaw: null };

  const answerArrived = (found) => {
    const awaiting = state.awaiting;
    state.awaiting = null;
    if (state.details && found) addDetails(target, state.details);
    state.details = null;
    if (!awaiting) return;
    if (awaiting.deferred) {
      // The device's catalog did not know the scan; the screen (the server, when online) had the last word.
      signal(found ? "ok" : "error");
      if (!found) offerReport(awaiting.raw);
      else show(panel, "", "ok");
    }
  };
  // The server found what was scanned when its answer is a line form, or says so with data-scan-found (a screen
  // that counts a scan against a list, or opens a document scanned by its reference: Confirm arrival).
  document.body.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target === target) {
      answerArrived(Boolean(target.querySelector("form[data-line-add], [data-scan-found]")));
    }
  });
  document.addEventListener("ws:local-answer", (event) => {
    if (event.detail.form === form) answerArrived(event.detail.found);
  });

  const handToScreen = (raw, deferred = false) => {
    state.awaiting = { raw, deferred };
    input.value = raw;
    form.dataset.scanPassed = "true";
    form.requestSubmit();
  };

  const offerReport = (raw) => {
    state.unknownRaw = raw;
    panel.reportText.textContent = `“${raw.replaceAll("\x1d", "⟨GS⟩")}” is not a known item. Nothing was added. ` +
      "Report it so your supervisor can add it to the catalog.";
    panel.report.hidden = false;
  };

  const repeatOpen = (result) => !panel.confirm.hidden && state.bounced?.raw === result.raw;

  const onResult = (result) => {
    if (result.type === "bounce" && repeatOpen(result)) return;
    panel.confirm.hidden = true;
    if (result.type !== "unknown") panel.report.hidden = true;
    document.documentElement.dataset.lastScan = result.type;
    switch (result.type) {
      case "item":
        show(panel, result.joined ? result.message : `${result.item.name}`, "ok");
        if (result.joined && !result.composed) {
          state.details = { lot: result.item.lot, expiry: result.item.expiry, serial: result.item.serial };
        }
        handToScreen(result.item.scan);
        break;
      case "bin":
        selectOption(actionForm?.querySelector("select[name=location]"), result.location.code);
        show(panel, result.message, "ok");
        handToScreen(result.item.scan);
        break;
      case "location": {
        const chosen = selectOption(actionForm?.querySelector("select[name=location]"), result.location.code);
        show(panel, chosen ? `Location set to ${result.location.name}.`
          : `${result.location.name} is not a location you can choose on this screen.`, chosen ? "ok" : "error");
        break;
      }
      case "encounter": {
        const field = document.querySelector("input[name=encounter]");
        if (field) field.value = result.encounter;
        show(panel, field ? result.message : `Encounter ${result.encounter}: this screen does not use one.`, "ok");
        break;
      }
      case "badge":
        show(panel, `Badge of ${result.login}.`, "ok");
        document.dispatchEvent(new CustomEvent("ws:badge", { detail: { login: result.login } }));
        break;
      case "bounce":
        if (repeatOpen(result)) break;
        state.bounced = result;
        panel.confirmText.textContent = "Scanned the same code again. Is it another item? ";
        panel.confirm.hidden = false;
        show(panel, "", "repeat");
        break;
      case "unknown":
        if (result.label === "bin") {
          show(panel, result.message, "error");
          offerReport(result.raw);
        } else {
          // The screen says whether the item is known (the server may know what the tablet does not yet).
          show(panel, "", "");
          handToScreen(result.raw, true);
        }
        break;
      default:
        show(panel, result.message, "error");
    }
  };

  const pipeline = new ScanPipeline({
    catalog: deviceCatalog, onResult,
    encounterPattern: meta("ws-encounter-pattern") || DEFAULT_ENCOUNTER_PATTERN,
    feedback: (kind, result) => {
      // An unknown item waits for the screen's own answer (the server may know it when online); a label the camera
      // keeps seeing while its question is open stays quiet.
      if (result.type === "unknown" && result.label !== "bin") return;
      if (result.type === "bounce" && repeatOpen(result)) return;
      signal(kind);
    },
  });

  // Typed codes go through the pipeline too; the pipeline's own submit passes straight to the screen.
  document.addEventListener("submit", (event) => {
    if (event.target !== form) return;
    if (form.dataset.scanPassed) {
      delete form.dataset.scanPassed;
      return;
    }
    event.preventDefault();
    event.stopImmediatePropagation();
    pipeline.submit(input.value, { source: "typed" });
  }, true);

  attachWedge((raw) => pipeline.submit(raw, { source: "wedge" }));

  panel.confirm.addEventListener("click", (event) => {
    if (event.target.closest("[data-scan-again]") && state.bounced) {
      pipeline.submit(state.bounced.raw, { source: state.bounced.source, confirmed: true });
    }
    if (event.target.closest("[data-scan-again], [data-scan-ignore]")) panel.confirm.hidden = true;
  });

  panel.report.querySelector("[data-report-send]").addEventListener("click", async (event) => {
    const button = event.currentTarget;
    button.disabled = true;
    try {
      const file = panel.photo.files[0];
      await queueReport(await reports, {
        raw: state.unknownRaw, user: pageUser, note: panel.note.value.trim() || null,
        location: actionForm?.querySelector("select[name=location]")?.value || null,
        photo: file ? await shrinkPhoto(file) : null });
      panel.report.hidden = true;
      panel.note.value = "";
      panel.photo.value = "";
      show(panel, "Reported to your supervisor. It is sent as soon as the tablet is online.", "ok");
      sendPendingReports().catch(() => {});
    } catch (error) {
      show(panel, `The report was not saved: ${error.message || error}. Try again.`, "error");
    } finally {
      button.disabled = false;
    }
  });

  let camera = null;
  const stopCamera = () => {
    camera?.stop();
    camera = null;
    panel.camera.hidden = true;
    panel.open.hidden = false;
  };
  panel.open.addEventListener("click", async () => {
    if (!CameraScanner.available()) {
      show(panel, "This browser gives no access to a camera here (it needs HTTPS).", "error");
      return;
    }
    panel.camera.hidden = false;
    panel.open.hidden = true;
    camera = new CameraScanner({
      video: panel.video,
      onCode: (raw, format, frameAt) => {
        pipeline.submit(raw, { source: "camera" }).then(() => {
          window.wardScan.frameToResultMs.push(performance.now() - frameAt);
        });
      },
      onError: (error) => console.warn("Ward Supply: camera frame not read:", error),
    });
    try {
      await camera.start();
      panel.camera.dataset.detector = camera.kind;
      document.documentElement.dataset.camera = camera.kind;
      panel.torch.hidden = !camera.torchSupported;
    } catch (error) {
      stopCamera();
      show(panel, `The camera could not start: ${error.message || error}.`, "error");
    }
  });
  panel.camera.querySelector("[data-camera-close]").addEventListener("click", stopCamera);
  panel.torch.addEventListener("click", async () => {
    const on = panel.torch.getAttribute("aria-pressed") !== "true";
    if (await camera?.setTorch(on)) panel.torch.setAttribute("aria-pressed", String(on));
  });
  window.addEventListener("pagehide", stopCamera);

  window.wardScan = { pipeline, frameToResultMs: [] };
  return pipeline;
}

function start() {
  const form = document.querySelector("form[data-local] input[name=scan]")?.form;
  window.addEventListener("online", () => sendPendingReports().catch(() => {}));
  sendPendingReports().catch(() => {});
  if (!form) return;
  document.head.append(el("link", { rel: "stylesheet", href: STYLESHEET }));
  primeAudio();
  attachScanning(form);
  document.documentElement.dataset.scanReady = "true";
}

start();
