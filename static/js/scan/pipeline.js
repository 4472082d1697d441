// The one scan pipeline every workflow uses: a scan from the camera, a keyboard-wedge scanner or typing is parsed
// (gs1.js), checked against a bounce, joined to the item before it when it carries only lot/expiry/serial, and
// resolved against the device's catalog to one structured result:
//   { type: "item" | "bin" | "location" | "badge" | "encounter" | "detail" | "bounce" | "invalid" | "unknown",
//     ok, raw, scan, source, item?, location?, login?, encounter?, joined?, message }
// What the app's own labels carry (pwa/labels.py prints them):
//   location  its code, e.g. WARD-4B          bin  BIN:<location>:<product ref>
//   badge     BADGE:<login>                     encounter  matches the configured pattern (ENC-2026-000123)
// Pure: the catalog is passed in as { item(raw), location(code) }, each answering a record or null.

import { ERROR_REASONS, parseScan } from "./gs1.js";
import { checkCharacter } from "./hibcc.js";

export const BADGE_PREFIX = "BADGE:";
export const BIN_PREFIX = "BIN:";
export const DEFAULT_ENCOUNTER_PATTERN = "^ENC-\\d{4}-\\d{6}$";
export const BOUNCE_MS = 1500; // the same code again within this is the scanner or camera seeing it twice
export const JOIN_MS = 20000; // a lot/expiry label belongs to the item scanned at most this long before it

const OK_TYPES = new Set(["item", "bin", "location", "badge", "encounter"]);

// Remembers when each code was last seen. Every sighting restarts its window, so a label held in front of the
// camera stays one item however long it is held; it counts again once it has been out of sight for the window.
export class BounceGuard {
  constructor(windowMs = BOUNCE_MS) {
    this.windowMs = windowMs;
    this.seen = new Map();
  }

  isBounce(code, time) {
    const last = this.seen.get(code);
    this.seen.set(code, time);
    if (this.seen.size > 64) {
      for (const [key, at] of this.seen) if (time - at > this.windowMs) this.seen.delete(key);
    }
    return last !== undefined && time - last < this.windowMs;
  }
}

// A label that carries lot, expiry or serial but names no item (GS1 without GTIN, HIBC secondary on its own).
export function isItemDetail(scan) {
  const names = scan.gtin || scan.content_gtin || scan.sscc || scan.hibcc_lic;
  const details = scan.lot || scan.serial || scan.expiry || scan.best_before || scan.production_date;
  return (scan.kind === "gs1" || scan.kind === "hibcc") && !names && Boolean(details);
}

const JOINED_FIELDS = ["lot", "serial", "expiry", "best_before", "production_date"];
const GS1_ELEMENTS = [["production_date", "11"], ["best_before", "15"], ["expiry", "17"], ["lot", "10"],
  ["serial", "21"]];

function yymmdd(iso) {
  return iso.slice(2, 4) + iso.slice(5, 7) + iso.slice(8, 10);
}

// A GS1 item and its details as one bracketed element string, e.g. (01)…(17)…(10)…
export function gs1Bracketed(scan) {
  let text = `(01)${scan.gtin}`;
  for (const [field, ai] of GS1_ELEMENTS) {
    if (!scan[field]) continue;
    text += `(${ai})${ai === "10" || ai === "21" ? scan[field] : yymmdd(scan[field])}`;
  }
  return text;
}

// A HIBC primary and a secondary label as the one concatenated label: +primary/secondary with a new check.
export function hibccJoined(primaryCode, secondaryCode) {
  const primary = primaryCode.trimEnd().slice(1, -1);
  // The secondary alone ends with its link character (the primary's check) and its own check character.
  const secondary = secondaryCode.trimEnd().slice(1, -2);
  const body = `+${primary}/${secondary}`;
  return body + checkCharacter(body);
}

// The item scan with the details of the label scanned after it, or null when they disagree (a lot label of another
// item). `raw` is one scan that carries everything when the item's symbology allows it, else the item's own scan
// (the details then travel as separate fields of the line).
export function joinScans(itemScan, detailScan) {
  if (JOINED_FIELDS.some((f) => itemScan[f] && detailScan[f] && itemScan[f] !== detailScan[f])) return null;
  const merged = { ...itemScan };
  for (const field of JOINED_FIELDS) merged[field] = itemScan[field] || detailScan[field] || null;
  let raw = null;
  if (itemScan.gtin && (itemScan.kind === "gs1" || itemScan.kind === "ean") && detailScan.kind === "gs1") {
    raw = gs1Bracketed(merged);
  } else if (itemScan.kind === "hibcc" && detailScan.kind === "hibcc") {
    raw = hibccJoined(itemScan.code, detailScan.code);
  }
  if (raw !== null) {
    const check = parseScan(raw);
    if (check.kind === "invalid" || JOINED_FIELDS.some((f) => check[f] !== merged[f])) raw = null;
  }
  return { raw: raw ?? (itemScan.symbology || "") + itemScan.code, scan: raw ? parseScan(raw) : merged,
           composed: raw !== null };
}

function result(type, raw, scan, fields = {}) {
  return { type, ok: OK_TYPES.has(type), raw, scan, ...fields };
}

// Resolves one scan (already past the bounce guard). `previous` is the last item result, for joining details.
export async function resolveScan(raw, { catalog, encounterPattern = DEFAULT_ENCOUNTER_PATTERN, previous = null }) {
  const scan = parseScan(raw);
  const code = scan.code;
  if (scan.kind === "internal" && code.startsWith(BADGE_PREFIX) && code.length > BADGE_PREFIX.length) {
    const login = code.slice(BADGE_PREFIX.length);
    return result("badge", raw, scan, { login, message: `Badge of ${login}.` });
  }
  if (scan.kind === "internal" && code.startsWith(BIN_PREFIX)) {
    const [locationCode, ref] = code.slice(BIN_PREFIX.length).split(":");
    const [item, location] = ref ? await Promise.all([catalog.item(ref), catalog.location(locationCode)]) : [];
    if (item && location) {
      return result("bin", raw, scan, { item: { ...item, scan: ref }, location,
                                       message: `${item.name} at ${location.name}.` });
    }
    return result("unknown", raw, scan, { label: "bin",
                                          message: `This bin label (${code}) is not in this tablet's catalog.` });
  }
  const pattern = encounterPattern instanceof RegExp ? encounterPattern : new RegExp(encounterPattern);
  if (scan.kind === "internal" && pattern.test(code)) {
    return result("encounter", raw, scan, { encounter: code, message: `Encounter ${code}.` });
  }
  if (scan.kind === "invalid") {
    return result("invalid", raw, scan, { message: ERROR_REASONS[scan.error] || ERROR_REASONS.unreadable });
  }
  if (isItemDetail(scan)) {
    const joined = previous ? joinScans(previous.scan, scan) : null;
    if (!joined) {
      return result("detail", raw, scan, { message: previous
        ? "This lot or expiry label does not match the item scanned before it. Scan the item again."
        : "This label carries only lot, expiry or serial: scan the item first, then this label." });
    }
    const item = { ...previous.item, scan: joined.raw };
    for (const field of ["lot", "expiry", "serial"]) item[field] = joined.scan[field] || "";
    return result("item", joined.raw, joined.scan, { item, joined: true, composed: joined.composed,
                                                     message: `${item.name}: lot and expiry added.` });
  }
  const item = await catalog.item(raw);
  if (item) return result("item", raw, scan, { item, message: item.name });
  if (scan.kind === "internal") {
    const location = await catalog.location(code);
    if (location) return result("location", raw, scan, { location, message: `Location ${location.name}.` });
  }
  return result("unknown", raw, scan, { message: `“${code}” is not in this tablet's catalog.` });
}

// Holds what the scans of one screen share: the bounce guard, the last item (for lot/expiry labels) and the
// catalog. submit() answers a result and hands it to onResult and to feedback.
export class ScanPipeline {
  constructor({ catalog, onResult = () => {}, feedback = () => {}, encounterPattern = DEFAULT_ENCOUNTER_PATTERN,
                bounceMs = BOUNCE_MS, joinMs = JOIN_MS, now = () => Date.now() }) {
    Object.assign(this, { catalog, onResult, feedback, encounterPattern, joinMs, now });
    this.bounce = new BounceGuard(bounceMs);
    this.lastItem = null;
  }

  // source: "camera" and "wedge" are guarded against bounces; typing is deliberate. confirmed: the user said a
  // repeated scan is another item.
  async submit(raw, { source = "typed", confirmed = false } = {}) {
    const text = String(raw ?? "").replace(/^[ \t\r\n]+/, "").replace(/[\t\r\n]+$/, "");
    if (!text.trim()) return null;
    const time = this.now();
    let answer;
    if (!confirmed && source !== "typed" && this.bounce.isBounce(text, time)) {
      answer = result("bounce", text, parseScan(text), {
        message: "Scanned again. If this is another item, confirm it." });
    } else {
      const previous = this.lastItem && time - this.lastItem.time <= this.joinMs ? this.lastItem.result : null;
      answer = await resolveScan(text, { catalog: this.catalog, encounterPattern: this.encounterPattern, previous });
      if (answer.type === "item" && !answer.joined) this.lastItem = { result: answer, time };
      else if (answer.type !== "bounce") this.lastItem = null;
    }
    answer.source = source;
    this.feedback(answer.ok ? "ok" : answer.type === "bounce" ? "repeat" : "error", answer);
    this.onResult(answer);
    return answer;
  }
}
