// The encounters (visit numbers) chosen on this tablet during the shift, so a nurse interrupted between patients
// gets back to one with a tap. Encounter numbers only, never a name. The list lives in localStorage and belongs to
// one sign-in of one user (the time stamp of that sign-in on the device): another user, a new sign-in or
// SHIFT_HOURS later it is gone, and signing out deletes it (device.js). Runs in pages and in node's test runner.

export const RECENT_KEY = "ws-recent-encounters";
export const RECENT_MAX = 8;
export const SHIFT_HOURS = 12;

function saved(storage) {
  try {
    const value = JSON.parse(storage.getItem(RECENT_KEY));
    return value && Array.isArray(value.items) ? value : null;
  } catch {
    return null;
  }
}

function current(storage, { login, session, now }) {
  const list = saved(storage);
  if (!list || list.login !== login || list.session !== session) return [];
  return list.items.filter((item) => typeof item.encounter === "string" && now - item.at < SHIFT_HOURS * 3600_000);
}

// The encounters of this sign-in, the latest first.
export function recentEncounters(storage, { login, session = null, now = Date.now() }) {
  return current(storage, { login, session, now }).map((item) => item.encounter);
}

export function rememberEncounter(storage, encounter, { login, session = null, now = Date.now() }) {
  const items = current(storage, { login, session, now }).filter((item) => item.encounter !== encounter);
  items.unshift({ encounter, at: now });
  storage.setItem(RECENT_KEY, JSON.stringify({ login, session, items: items.slice(0, RECENT_MAX) }));
  return items.slice(0, RECENT_MAX).map((item) => item.encounter);
}

export function forgetEncounters(storage) {
  storage.removeItem(RECENT_KEY);
}
