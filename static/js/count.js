// The Count screen on the device: the item found offline from the catalog, the count session of the chosen location
// kept on the action (count_session), and — on a copy of the page opened offline — the places to count rebuilt from
// the freezes the catalog last brought (the server's list may have changed since the page was stored).

import { findItem } from "./catalog.js";
import { catalog } from "./device.js";
import { resolvers } from "./screens.js";

resolvers["count-item"] = async (values) => findItem(await catalog, values.scan);
resolvers["count-recount"] = async () => ({ offline: "yes", items: [] });

function started(text) {
  const moment = text ? new Date(text) : null;
  if (!moment || Number.isNaN(moment.getTime())) return "";
  return moment.toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit", timeZone: "UTC" });
}

async function placesFromCatalog() {
  const db = await catalog;
  const places = [];
  for (const freeze of await db.getAll("freezes")) {
    if (freeze.active === false) continue;
    for (const code of freeze.locations || []) {
      const location = await db.get("locations", code);
      if (location) places.push({ code, name: location.name, session: freeze.session, started: started(freeze.started_at) });
    }
  }
  return places.sort((a, b) => a.name.localeCompare(b.name));
}

function wireCount(form) {
  const select = form.querySelector("[data-count-places]");
  const session = form.elements.namedItem("count_session");
  const none = document.querySelector("[data-count-none]");
  const recount = document.getElementById("count-recount");

  const choose = () => {
    session.value = select.selectedOptions[0]?.dataset.session || "";
    none.hidden = select.options.length > 0;
    if (recount && window.htmx) window.htmx.trigger(recount, "recount");
  };

  select.addEventListener("change", choose);

  if (navigator.onLine === false) {
    placesFromCatalog().then((places) => {
      const chosen = select.value;
      select.replaceChildren(...places.map((place) => {
        const option = document.createElement("option");
        option.value = place.code;
        option.dataset.session = place.session;
        option.textContent = `${place.name} (since ${place.started})`;
        return option;
      }));
      if (places.some((place) => place.code === chosen)) select.value = chosen;
      choose();
    });
  }
  document.documentElement.dataset.countReady = "true";
}

const form = document.querySelector("form[data-count-action]");
if (form) wireCount(form);
