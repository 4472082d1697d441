// The service worker, served at /sw.js (scope "/") with SETTINGS prepended by pwa/device.py:
// { version, precache, retentionDays }. It keeps the app shell in a cache named by version, keeps each user's
// pages apart (a shared tablet must never show one nurse's screen as another's), answers navigations from the
// cache when the network is gone, and replays the outbox on Background Sync. It never touches IndexedDB's outbox
// on install or update: only caches are versioned.

import { getMeta, openDevice, replay, setMeta } from "/static/js/outbox.js";

const VERSION = SETTINGS.version;
const SHELL = `ws-shell-${VERSION}`;
const PAGES = `ws-pages-${VERSION}-`;
const NAVIGATION_TIMEOUT_MS = 5000;

const deviceDb = openDevice();

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(SHELL);
    await cache.addAll(SETTINGS.precache.map((url) => new Request(url, { cache: "reload" })));
    // The first install takes over at once; an update waits for the user's "reload" (see activate).
    if (!self.registration.active) await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    const names = await caches.keys();
    // Old shells go; old pages stay until this version has its own copy of them (see warm).
    await Promise.all(names.filter((name) => name.startsWith("ws-shell-") && name !== SHELL)
      .map((name) => caches.delete(name)));
    await self.clients.claim();
  })());
});

self.addEventListener("message", (event) => {
  const { type } = event.data || {};
  if (type === "skip-waiting") self.skipWaiting();
  if (type === "warm") {
    event.waitUntil(warm(event.data.urls || []).then((stored) => event.ports[0]?.postMessage({ stored })));
  }
});

self.addEventListener("sync", (event) => {
  if (event.tag !== "ws-outbox") return;
  event.waitUntil((async () => {
    const db = await deviceDb;
    const report = await replay(db, { force: true, lock: (work) => self.navigator.locks
      ? self.navigator.locks.request("ws-outbox-replay", work) : work() });
    for (const client of await self.clients.matchAll()) client.postMessage({ type: "outbox-changed" });
    // A failed round is retried by the browser later; pages keep their own schedule too.
    if (!report.ok && !report.waiting && report.error !== "signin_needed") throw new Error(report.error);
  })());
});

const isPage = (response) => response.ok && !response.redirected &&
  (response.headers.get("Content-Type") || "").startsWith("text/html");

async function pagesCache(login) {
  return caches.open(PAGES + (login || "anonymous"));
}

// Keeps the page for whoever the server says it is for, and remembers who is signed in on this tablet.
async function keep(request, response) {
  const login = response.headers.get("X-Ward-User");
  await setMeta(await deviceDb, "session", login ? { login } : null);
  const cache = await pagesCache(login);
  await cache.put(request, response);
}

// Stores this user's screens so they open offline even if never visited; drops older versions' copies.
async function warm(urls) {
  let stored = 0;
  let login = null;
  for (const url of urls) {
    try {
      // X-Ward-Warm: a copy for later, not a page anyone sees now, so it must not take the user's flash messages.
      const response = await fetch(url, { credentials: "same-origin", cache: "no-store",
                                          headers: { "X-Ward-Warm": "1" } });
      if (!isPage(response)) continue;
      login = response.headers.get("X-Ward-User") || login;
      await keep(new Request(url), response);
      stored += 1;
    } catch {
      // Offline: whatever was stored before stays.
    }
  }
  if (login) {
    const current = PAGES + login;
    const stale = (await caches.keys()).filter((name) => name.startsWith("ws-pages-") && name.endsWith(`-${login}`)
      && name !== current);
    await Promise.all(stale.map((name) => caches.delete(name)));
  }
  return stored;
}

function withTimeout(promise, ms) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("timeout")), ms);
    promise.then((value) => { clearTimeout(timer); resolve(value); },
                 (error) => { clearTimeout(timer); reject(error); });
  });
}

async function cachedPage(request) {
  const session = await getMeta(await deviceDb, "session");
  const login = session ? session.login : null;
  const names = (await caches.keys()).filter((name) => name.startsWith("ws-pages-")
    && name.endsWith(`-${login || "anonymous"}`));
  // This version's copy first, then one an earlier version kept.
  names.sort((a, b) => (b === PAGES + (login || "anonymous")) - (a === PAGES + (login || "anonymous")));
  for (const name of names) {
    const cache = await caches.open(name);
    const hit = (await cache.match(request, { ignoreVary: true }))
      || (await cache.match(request, { ignoreVary: true, ignoreSearch: true }));
    if (hit) return hit;
  }
  if (!login) {
    const signIn = await (await pagesCache(null)).match("/login", { ignoreVary: true, ignoreSearch: true });
    if (signIn) return signIn;
  }
  return (await caches.match("/offline", { cacheName: SHELL })) || Response.error();
}

async function navigate(request) {
  try {
    const response = await withTimeout(fetch(request), NAVIGATION_TIMEOUT_MS);
    if (isPage(response)) await keep(request, response.clone());
    else if (response.redirected && new URL(response.url).pathname === "/login") {
      await setMeta(await deviceDb, "session", null);
    }
    return response;
  } catch {
    return cachedPage(request);
  }
}

async function shellFile(request) {
  const cache = await caches.open(SHELL);
  const hit = await cache.match(request, { ignoreSearch: true });
  if (hit) return hit;
  const response = await fetch(request);
  if (response.ok) await cache.put(request, response.clone());
  return response;
}

self.addEventListener("fetch", (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || request.method !== "GET") return;
  if (request.mode === "navigate") {
    event.respondWith(navigate(request));
  } else if (url.pathname.startsWith("/static/") || url.pathname === "/manifest.webmanifest") {
    event.respondWith(shellFile(request));
  }
  // Everything else (the API, htmx lookups) goes to the network untouched: the page answers offline itself.
});
