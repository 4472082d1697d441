// Switching user by badge and PIN on a shared tablet: the tablet first gets the new user's device token (so their
// actions replay in their name), then the page signs them in. A badge scanned on the switch page fills it in.

import { device } from "./device.js";
import { deviceId, rememberUser } from "./outbox.js";

const form = document.querySelector("form[data-badge-switch]");

function showError(message) {
  const slot = form.querySelector("[data-switch-error]");
  slot.textContent = message;
  slot.hidden = false;
}

if (form) {
  form.addEventListener("submit", async (event) => {
    if (form.dataset.deviceSignedIn) return;
    event.preventDefault();
    if (navigator.onLine === false) {
      showError("Switching user needs the network. What is waiting on this tablet is safe.");
      return;
    }
    const badge = form.elements.namedItem("badge").value.trim();
    const pin = form.elements.namedItem("pin").value;
    try {
      const db = await device;
      const response = await fetch("/api/v1/badge-login", {
        method: "POST", headers: { "Content-Type": "application/json" }, credentials: "omit",
        body: JSON.stringify({ badge, pin, device_id: await deviceId(db) }) });
      const body = await response.json().catch(() => ({}));
      if (response.ok) {
        await rememberUser(db, body.user.login, body.token, body.user);
      } else if (response.status === 401 || response.status === 429) {
        showError(body.error?.message || "Badge or PIN not accepted.");
        form.elements.namedItem("pin").value = "";
        return;
      }
    } catch {
      // No answer from the API: the page's own switch says what is wrong.
    }
    form.dataset.deviceSignedIn = "true";
    form.submit();
  });
}

document.addEventListener("ws:badge", (event) => {
  const login = event.detail?.login;
  if (!login || !form) return;
  form.elements.namedItem("badge").value = login;
  form.elements.namedItem("pin").focus();
});
