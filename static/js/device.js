// Every page's device side: the service worker and its update prompt, sign-in tokens for replay, catalog sync,
// the outbox replay schedule, the status bar and the screens' offline mechanism (screens.js).

import { findItem, freezeAt, locationName, openCatalog, syncCatalog, catalogState } from "./catalog.js";
import { forgetEncounters } from "./encounters.js";
import { deviceId, getMeta, knownUser, openDevice, rememberUser, replay, retry, saveAction, setMeta,
         signedOut } from "./outbox.js";
import { resolvers, wireScreens } from "./screens.js";
import { renderOutbox, renderStatus } from "./status.js";

const REPLAY_EVERY_MS = 15000;
const CATALOG_EVERY_MS = 5 * 60 * 1000;
const STATUS_EVERY_MS = 10000;
// A stock freeze blocks these where it holds (README, "Count sessions and the stock freeze"); the server checks again.
const FROZEN_TYPES = new Set(["issue", "transfer_confirm", "return", "waste"]);
// Online, the catalog's freezes are brought up to date before an action is saved, waiting at most this long.
const FRESH_FREEZES_MS = 2000;

const metaContent = (name) => document.querySelector(`meta[name="${name}"]`)?.content || null;
export const pageUser = metaContent("ws-user");
const offlinePages = (metaContent("ws-offline-pages") || "").split(" ").filter(Boolean);

export const device = openDevice();
let knownDeviceId = null;
const thisDevice = async () => (knownDeviceId ??= deviceId(await device));
export const catalog = openCatalog();
const ready = { worker: false, catalog: !pageUser };
const statusExtra = {};

function markReady() {
  if (ready.worker && ready.catalog) document.documentElement.dataset.deviceReady = "true";
}

// One replay at a time across this tablet's pages and its service worker.
function lockedAcrossTabs(work) {
  return navigator.locks ? navigator.locks.request("ws-outbox-replay", work) : work();
}

// One replay per page at a time; asked again while one runs (a save just now), it runs once more after it.
let replaying = null;
let again = null;
export function sendNow({ force = false } = {}) {
  // Offline there is nothing to try: the `online` event starts the next round.
  if (navigator.onLine === false) return Promise.resolve({ ok: false, offline: true });
  if (replaying) {
    again = again || replaying.then(() => {
      again = null;
      return sendNow({ force });
    });
    return again;
  }
  replaying = device
    .then((db) => replay(db, { force, lock: lockedAcrossTabs }))
    .catch((error) => ({ ok: false, error: String(error) }))
    .finally(() => {
      replaying = null;
      refresh();
    });
  return replaying;
}

export async function refresh() {
  const db = await device;
  await renderStatus(db, statusExtra);
  await renderOutbox(db);
}

// Saves one action to the outbox; resolves once IndexedDB has committed it, then sends it when possible.
export async function save(action) {
  const db = await device;
  const entry = await saveAction(db, action);
  requestBackgroundSync();
  refresh();
  sendNow({ force: true });
  return entry;
}

// For screens (and tests) that build an action without a form: who and which device are filled in here.
export async function recordAction(fields) {
  const action = { id: crypto.randomUUID(), created_at: new Date().toISOString(),
                   device_id: await thisDevice(), ...fields };
  if (pageUser && !action.user) action.user = pageUser;
  return save(action);
}

async function requestBackgroundSync() {
  try {
    const registration = await navigator.serviceWorker?.getRegistration();
    await registration?.sync?.register("ws-outbox");
  } catch {
    // Background Sync is a bonus: the page's own schedule sends the outbox anyway.
  }
}

export function frozenMessage(locationLabel) {
  return `${locationLabel} is being counted — ask your supervisor to override.`;
}

// Whether the catalog says the location is frozen now; online, a count started a minute ago is learnt first, so it
// is refused here rather than after the action was saved.
export async function frozenAt(location) {
  if (navigator.onLine !== false) {
    await Promise.race([syncCatalogNow(), new Promise((resolve) => setTimeout(resolve, FRESH_FREEZES_MS))]);
  }
  const db = await catalog;
  return (await freezeAt(db, location)) ? locationName(db, location) : null;
}

// A supervisor's override (override_by, with its reason) lets one action through a freeze.
async function refusal(type, values) {
  if (!pageUser) return "Sign in first.";
  if (FROZEN_TYPES.has(type) && values.location && !values.override_by) {
    const frozen = await frozenAt(values.location);
    if (frozen) return frozenMessage(frozen);
  }
  return null;
}

resolvers.item = async (values) => findItem(await catalog, values.scan);

// ---- sign-in and sign-out on a shared tablet -------------------------------------------------------------

function showError(before, message) {
  const template = document.getElementById("tpl-refused");
  const node = template.content.firstElementChild.cloneNode(true);
  node.textContent = message;
  node.dataset.deviceMessage = "";
  before.parentNode.querySelector("[data-device-message]")?.remove();
  before.before(node);
}

// The sign-in form also gets this tablet a bearer token for the user, kept for replaying their actions.
function wireSignIn() {
  const form = document.querySelector('form[method="post"][action$="/login"]');
  if (!form) return;
  form.addEventListener("submit", async (event) => {
    if (form.dataset.deviceSignedIn) return;
    event.preventDefault();
    const login = form.elements.namedItem("login").value.trim();
    const password = form.elements.namedItem("password").value;
    if (navigator.onLine === false) {
      showError(form, "Signing in needs the network. What is waiting on this tablet is safe.");
      return;
    }
    try {
      const db = await device;
      const response = await fetch("/api/v1/login", {
        method: "POST", headers: { "Content-Type": "application/json" }, credentials: "omit",
        body: JSON.stringify({ login, password, device_id: await thisDevice() }) });
      if (response.ok) {
        const body = await response.json();
        await rememberUser(db, body.user.login, body.token, body.user);
      } else if (response.status === 401 || response.status === 429) {
        const body = await response.json().catch(() => ({}));
        showError(form, body.error?.message || "Wrong login or password.");
        return;
      }
    } catch {
      // No answer from the API: the page's own sign-in says what is wrong.
    }
    form.dataset.deviceSignedIn = "true";
    form.submit();
  });
}

// Signing out keeps the user's queued actions (and the token to send them) until they are sent.
function wireSignOut() {
  for (const form of document.querySelectorAll('form[method="post"][action$="/logout"]')) {
    form.addEventListener("submit", async (event) => {
      if (form.dataset.deviceSignedOut) return;
      event.preventDefault();
      const db = await device;
      if (pageUser) await signedOut(db, pageUser);
      forgetEncounters(localStorage);
      await setMeta(db, "session", null);
      form.dataset.deviceSignedOut = "true";
      if (navigator.onLine === false) window.location.assign("/login");
      else form.submit();
    });
  }
}

// ---- catalog -----------------------------------------------------------------------------------------------

async function catalogSize() {
  try {
    const response = await fetch("/device/catalog-size", { headers: { Accept: "application/json" } });
    return response.ok ? (await response.json()).products : null;
  } catch {
    return null;
  }
}

let catalogRun = null;
export function syncCatalogNow() {
  if (catalogRun || !pageUser) return catalogRun;
  catalogRun = (async () => {
    const db = await device;
    const user = await knownUser(db, pageUser);
    if (!user || !user.token) {
      statusExtra.signin_needed = true;
      return { ok: false, error: "no_token" };
    }
    const store = await catalog;
    const progress = document.querySelector("[data-catalog-progress]");
    const first = (await catalogState(store)).cursor === null;
    const total = first ? await catalogSize() : null;
    if (first) statusExtra.catalog_syncing = true;
    const result = await syncCatalog(store, {
      token: user.token, scope: user.locations,
      onPage: ({ loaded, more }) => {
        if (!first) return;
        if (progress && total) progress.value = Math.min(1, loaded / total);
        statusExtra.catalog_count = more ? `${loaded.toLocaleString()} items` : "";
        renderStatus(db, statusExtra);
      },
    });
    statusExtra.catalog_syncing = false;
    return { ok: true, ...result };
  })()
    .catch((error) => ({ ok: false, error: String(error) }))
    .finally(() => {
      catalogRun = null;
      statusExtra.catalog_syncing = false;
      ready.catalog = true;
      markReady();
      refresh();
    });
  return catalogRun;
}

// ---- service worker --------------------------------------------------------------------------------------

function askWorker(worker, message) {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = (event) => resolve(event.data);
    worker.postMessage(message, [channel.port2]);
  });
}

function offerUpdate(registration) {
  const button = document.querySelector("[data-update]");
  if (!button || !registration.waiting || !navigator.serviceWorker.controller) return;
  button.hidden = false;
  document.documentElement.dataset.updateAvailable = "true";
  button.onclick = () => {
    // The outbox lives in IndexedDB, which an update never touches; only the cached files are replaced.
    button.disabled = true;
    navigator.serviceWorker.addEventListener("controllerchange", () => window.location.reload(), { once: true });
    registration.waiting.postMessage({ type: "skip-waiting" });
  };
}

async function startWorker() {
  if (!("serviceWorker" in navigator)) {
    ready.worker = true;
    markReady();
    return;
  }
  try {
    const registration = await navigator.serviceWorker.register("/sw.js", { type: "module", scope: "/" });
    offerUpdate(registration);
    registration.addEventListener("updatefound", () => {
      const incoming = registration.installing;
      incoming?.addEventListener("statechange", () => {
        if (incoming.state === "installed") offerUpdate(registration);
      });
    });
    navigator.serviceWorker.addEventListener("message", (event) => {
      if (event.data?.type === "outbox-changed") refresh();
    });
    const active = (await navigator.serviceWorker.ready).active;
    if (active && (pageUser || offlinePages.length)) await askWorker(active, { type: "warm", urls: offlinePages });
  } catch (error) {
    console.warn("Ward Supply: the service worker could not start:", error);
  }
  ready.worker = true;
  markReady();
}

async function keepStorage() {
  if (!navigator.storage?.persist) return;
  const persisted = (await navigator.storage.persisted()) || (await navigator.storage.persist());
  statusExtra.storage_refused = !persisted;
  document.documentElement.dataset.storagePersisted = String(persisted);
  const db = await device;
  await setMeta(db, "storage_persisted", persisted);
  renderStatus(db, statusExtra);
}

function wireOutboxScreen() {
  document.body.addEventListener("click", async (event) => {
    const retryButton = event.target.closest("[data-retry]");
    if (retryButton) {
      await retry(await device, Number(retryButton.closest("[data-seq]").dataset.seq));
      await refresh();
      sendNow({ force: true });
    }
    if (event.target.closest("[data-send-now]")) {
      const report = await sendNow({ force: true });
      const out = document.querySelector("[data-outbox-result]");
      if (out) out.textContent = report.ok ? "Sent what was waiting." : "Not sent now; it will be tried again.";
    }
  });
}

function start() {
  wireScreens({ user: pageUser, deviceId: thisDevice, save, refusal });
  wireSignIn();
  wireSignOut();
  wireOutboxScreen();
  refresh();
  window.addEventListener("online", () => {
    sendNow({ force: true });
    syncCatalogNow();
    refresh();
  });
  window.addEventListener("offline", () => refresh());
  setInterval(() => sendNow(), REPLAY_EVERY_MS);
  setInterval(() => syncCatalogNow(), CATALOG_EVERY_MS);
  setInterval(() => refresh(), STATUS_EVERY_MS);
  startWorker();
  keepStorage();
  sendNow({ force: true });
  if (navigator.onLine !== false) syncCatalogNow();
  else {
    ready.catalog = true;
    markReady();
  }
}

start();

export { getMeta };
