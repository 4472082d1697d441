// A stock count at the location an action form names (templates/ward/_freeze.html): the message as soon as the
// location is chosen, and a supervisor's override of one action — signed in on this tablet by the API (so it needs
// the network: only the server can check the password), kept on the form as override_by / override_reason, which
// screens.js puts on the action. Used by Waste and Confirm arrival; the server checks the override again.

import { device, frozenAt, frozenMessage } from "./device.js";
import { deviceId } from "./outbox.js";

// `form` holds select[name=location] and the hidden override_by / override_reason; `result` is where the screen
// shows its refusals (cleared when an override answers one). Returns { check, clear }.
export function wireFreeze(form, { result = null } = {}) {
  const freeze = document.querySelector("[data-freeze]");
  const overrideForm = document.querySelector("[data-override-form]");
  const overrideOn = document.querySelector("[data-override-on]");
  if (!freeze || !overrideForm || !overrideOn) return { check: async () => {}, clear: () => {} };
  const error = overrideForm.querySelector("[data-override-error]");
  const field = (name) => form.elements.namedItem(name);
  const location = field("location");
  const locationLabel = () => location.selectedOptions[0]?.textContent.trim() || location.value;
  let frozen = false;

  const render = () => {
    const overridden = Boolean(field("override_by").value);
    freeze.hidden = !frozen || overridden || !overrideForm.hidden;
    overrideOn.hidden = !overridden;
    overrideOn.querySelector("[data-override-who]").textContent = field("override_by").value;
    overrideOn.querySelector("[data-override-why]").textContent = field("override_reason").value;
  };

  let asking = 0;
  const check = async () => {
    const asked = ++asking;
    const name = await frozenAt(location.value);
    if (asked !== asking) return;
    frozen = Boolean(name);
    freeze.querySelector("[data-freeze-message]").textContent = name ? frozenMessage(name) : "";
    document.documentElement.dataset.frozen = String(frozen);
    render();
  };

  const clear = () => {
    field("override_by").value = "";
    field("override_reason").value = "";
    render();
  };

  const fail = (text) => {
    error.textContent = text;
    error.hidden = false;
  };

  freeze.querySelector("[data-override-open]").addEventListener("click", () => {
    overrideForm.hidden = false;
    error.hidden = true;
    render();
    overrideForm.elements.namedItem("login").focus();
  });
  overrideForm.querySelector("[data-override-cancel]").addEventListener("click", () => {
    overrideForm.reset();
    overrideForm.hidden = true;
    render();
  });
  overrideOn.querySelector("[data-override-clear]").addEventListener("click", clear);

  overrideForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const value = (name) => overrideForm.elements.namedItem(name).value.trim();
    const [login, reason] = [value("login"), value("reason")];
    const password = overrideForm.elements.namedItem("password").value;
    if (!login || !password || !reason) {
      fail("The supervisor's login, password and a reason are all needed.");
      return;
    }
    if (navigator.onLine === false) {
      fail("An override needs the network: the server checks the supervisor's password. " +
           "Connect, or wait until the count has ended.");
      return;
    }
    const button = event.submitter;
    if (button) button.disabled = true;
    try {
      const response = await fetch("/api/v1/login", {
        method: "POST", headers: { "Content-Type": "application/json" }, credentials: "omit", cache: "no-store",
        body: JSON.stringify({ login, password, device_id: await deviceId(await device)}) });
      const body = await response.json().catch(() => ({}));
      if (!response.ok) {
        fail(body.error?.message || "The supervisor could not be signed in. Try again.");
        return;
      }
      const user = body.user || {};
      if (!(user.roles || []).includes("supervisor") || !(user.locations || []).includes(location.value)) {
        fail(`${login} is not a supervisor of ${locationLabel()}: only one can override.`);
        return;
      }
      field("override_by").value = user.login || login;
      field("override_reason").value = reason;
      if (result?.querySelector("[role=alert]")) result.replaceChildren();
      overrideForm.reset();
      overrideForm.hidden = true;
      render();
    } catch {
      fail("The server could not be reached: an override needs the network. Try again.");
    } finally {
      if (button) button.disabled = false;
    }
  });

  location.addEventListener("change", () => {
    clear();
    check();
  });
  window.addEventListener("online", check);
  document.addEventListener("visibilitychange", () => { if (!document.hidden) check(); });
  // An override lets one action through: once it is saved, the next one needs its own.
  document.addEventListener("ws:action-saved", (event) => {
    if (event.detail.form !== form) return;
    clear();
    check();
  });
  check();
  return { check, clear };
}
