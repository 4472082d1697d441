// The Waste screen's offline item: the item the catalog finds, and whether the expiry its scan carried has passed
// by this tablet's date (pwa/waste.py waste_view): an expired lot comes with the reason set to "Expired". A count
// at the chosen location is said as soon as it is chosen, and a supervisor may override it (freeze.js).

import { findItem } from "./catalog.js";
import { catalog } from "./device.js";
import { wireFreeze } from "./freeze.js";
import { resolvers } from "./screens.js";

// YYYY-MM-DD of the tablet's own day.
export function today(now = new Date()) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

export function wasteView(item, day = today()) {
  const expired = Boolean(item.expiry) && item.expiry < day;
  return { ...item, expired: expired ? "yes" : "", good_until: item.expiry && !expired ? item.expiry : "" };
}

resolvers["waste-item"] = async (values) => {
  const item = await findItem(await catalog, values.scan);
  return item && wasteView(item);
};

const form = document.querySelector("form[data-action=waste]");
if (form) wireFreeze(form, { result: document.getElementById("waste-result") });
