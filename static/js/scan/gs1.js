// Reads what a scanner, camera or keyboard sends: GS1 element strings (raw with GS separators,
// or bracketed as printed), HIBCC, EAN/UPC and the app's own labels. Works offline.
// Mirrors pwa/scanning (scan.py, gs1.py); the shared corpus tests/data/barcodes.json pins both.

import { AI_TABLE, CHECK_DIGIT_AIS, DATE_AIS, SPLIT_AIS, findAi } from "./ais.js";
import { fullYear, isoDate } from "./dates.js";
import { parseHibcc } from "./hibcc.js";

export const GS = "\x1d";
export const MAX_LENGTH = 1000;

// Symbology identifiers that announce FNC1 in first position: the data is GS1.
export const GS1_SYMBOLOGIES = new Set(["]C1", "]d2", "]Q3", "]e0", "]J1"]);

export const SCAN_FIELDS = [
  "kind", "code", "symbology", "gtin", "content_gtin", "sscc", "lot", "serial", "expiry",
  "best_before", "production_date", "qty", "ref", "hibcc_lic", "hibcc_product", "hibcc_uom",
  "ambiguous", "error",
];

// What each error code means, in words a nurse can act on (same text as the server's).
export const ERROR_REASONS = {
  empty: "Nothing was scanned.",
  control_char: "The scan holds hidden control characters. Check the scanner settings and scan again.",
  too_long: "The barcode holds more data than that field allows.",
  unknown_ai: "The barcode uses a GS1 field this app does not know.",
  truncated: "The barcode data is cut short. Scan it again.",
  bad_char: "The barcode holds characters that field does not allow.",
  bad_check_digit: "The check digit does not match: the barcode is damaged or was misread.",
  bad_date: "The barcode holds a date that does not exist.",
  duplicate_ai: "The barcode gives the same field two different values.",
  bad_format: "The printed GS1 text is not in the (AI)value form.",
  bad_hibcc: "The HIBC label is not in a form this app reads.",
  bad_hibcc_check: "The HIBC check character does not match: the label is damaged or was misread.",
  unreadable: "The barcode could not be read.",
};

const SYMBOLOGY = /^\][A-Za-z][0-9A-Za-z]/;
const GTIN_DIGITS = /^(?:[0-9]{8}|[0-9]{12,14})$/;
const GS1_START = /^0[0-2][0-9]/;
// GS1 CSET 82, the characters allowed in alphanumeric AI data.
const CSET82 = /^[!"%&'()*+,\-./0-9:;<=>?A-Z_a-z]*$/;
const DIGITS = /^[0-9]*$/;
const PRINTABLE = /^[\x20-\x7e]*$/;
const HRI = /^(?:\([0-9]{2,4}\)[^()]*)+$/;
const HRI_ELEMENT = /\(([0-9]{2,4})\)([^()]*)/g;

function scan(kind, code, symbology, fields = {}) {
  const result = {};
  for (const name of SCAN_FIELDS) result[name] = null;
  return Object.assign(result, { kind, code, symbology }, fields);
}

const invalid = (code, symbology, error) => scan("invalid", code, symbology, { error });

// Read one scan. Never throws: anything unreadable comes back as kind "invalid".
export function parseScan(raw) {
  try {
    return parse(raw);
  } catch {
    return invalid(typeof raw === "string" ? raw : "", null, "unreadable");
  }
}

function parse(raw) {
  if (typeof raw !== "string") return invalid("", null, "empty");
  let text = raw.replace(/^[ \t\r\n]+/, "").replace(/[\t\r\n]+$/, "");
  let symbology = null;
  if (SYMBOLOGY.test(text)) {
    symbology = text.slice(0, 3);
    text = text.slice(3).replace(/^[ \t\r\n]+/, "");
  }
  const code = text.replace(/[ \t\r\n]+$/, "");

  if (!code) return invalid(code, symbology, "empty");
  if ([...code].some(isControl)) return invalid(code, symbology, "control_char");
  if ([...code].length > MAX_LENGTH) return invalid(code, symbology, "too_long");

  if (GS1_SYMBOLOGIES.has(symbology)) return gs1Scan(parseElementString(code), code, symbology);
  if (code.startsWith("(")) return gs1Scan(parseBracketed(code), code, symbology);
  if (code.startsWith("+")) return hibccScan(code, text, symbology);
  if (code.includes(GS)) return gs1Scan(parseElementString(code), code, symbology);
  if (GTIN_DIGITS.test(code)) return eanScan(code, symbology);
  if ([...code].length >= 16 && GS1_START.test(code)) {
    return gs1Scan(parseElementString(code), code, symbology);
  }
  return scan("internal", code, symbology);
}

// GS is how scanners transmit FNC1, so it is data, not noise.
function isControl(char) {
  const point = char.codePointAt(0);
  return (point < 0x20 && char !== GS) || (point >= 0x7f && point <= 0x9f);
}

// Mod-10 check digit over the whole string, last digit being the check.
export function checkDigitValid(digits) {
  let sum = 0;
  for (let i = digits.length - 2, weight = 3; i >= 0; i -= 1, weight = 4 - weight) {
    sum += Number(digits[i]) * weight;
  }
  return (10 - (sum % 10)) % 10 === Number(digits[digits.length - 1]);
}

function eanScan(code, symbology) {
  if (!checkDigitValid(code)) return invalid(code, symbology, "bad_check_digit");
  return scan("ean", code, symbology, { gtin: code.padStart(14, "0") });
}

function gs1Scan(message, code, symbology) {
  if (message.error) return invalid(code, symbology, message.error);
  const values = new Map(message.elements);
  const quantity = values.has("37") ? values.get("37") : values.get("30");
  const date = (ai) => (values.has(ai) ? elementDate(values.get(ai)) : null);
  return scan("gs1", code, symbology, {
    gtin: values.get("01") ?? null,
    content_gtin: values.get("02") ?? null,
    sscc: values.get("00") ?? null,
    lot: values.get("10") ?? null,
    serial: values.get("21") ?? null,
    expiry: date("17"),
    best_before: date("15"),
    production_date: date("11"),
    qty: quantity === undefined ? null : parseInt(quantity, 10),
    ref: values.get("240") ?? null,
    ambiguous: message.ambiguous,
  });
}

function hibccScan(code, text, symbology) {
  // The check character (and a secondary's link character) can be a space,
  // which trimming just removed; spaces the scanner sent are tried first.
  const after = text.slice(code.length, code.length + 2);
  const sent = after.length - after.replace(/^ +/, "").length;
  for (let spaces = sent; spaces > 0; spaces -= 1) {
    const spaced = parseHibcc(code + " ".repeat(spaces));
    if (!spaced.error) return hibccLabelScan(code + " ".repeat(spaces), spaced.label, symbology);
  }
  const { label, error } = parseHibcc(code);
  if (error) return invalid(code, symbology, error);
  return hibccLabelScan(code, label, symbology);
}

function hibccLabelScan(code, label, symbology) {
  return scan("hibcc", code, symbology, {
    lot: label.lot,
    serial: label.serial,
    expiry: label.expiry,
    production_date: label.production_date,
    qty: label.qty,
    hibcc_lic: label.lic,
    hibcc_product: label.product,
    hibcc_uom: label.uom,
  });
}

// ---- GS1 element strings -------------------------------------------------------------

const message = (fields) => ({ elements: [], ambiguous: null, error: null, ...fields });

// Why data is not a valid value for ai, as an error code, or null when it is.
export function elementError(ai, data) {
  const spec = AI_TABLE.get(ai);
  if (!data) return "truncated";
  if (!(spec.numeric ? DIGITS : CSET82).test(data)) return "bad_char";
  if (data.length > spec.max) return "too_long";
  if (data.length < spec.min) return "truncated";
  if (CHECK_DIGIT_AIS.has(ai) && !checkDigitValid(data)) return "bad_check_digit";
  if (DATE_AIS.has(ai) && elementDate(data) === null) return "bad_date";
  return null;
}

// YYMMDD with day 00 meaning the last day of the month.
function elementDate(data) {
  const year = fullYear(parseInt(data.slice(0, 2), 10));
  return isoDate(year, parseInt(data.slice(2, 4), 10), parseInt(data.slice(4, 6), 10));
}

// Read a raw element string, as sent after FNC1 with GS between elements.
export function parseElementString(input) {
  const sendsSeparators = input.includes(GS);
  const text = input.replace(/^\x1d+|\x1d+$/g, "");
  if (!text) return message({ error: "empty" });
  if (!PRINTABLE.test(text.split(GS).join(""))) return message({ error: "bad_char" });
  if (!sendsSeparators) {
    // Without any separator (not even FNC1 first, sent as a leading GS) we
    // cannot tell a scanner that drops them from a message that simply ends
    // in a lot, so every reading is considered.
    return withoutConflicts(new Splitter(text).parse(0, new Set(), false));
  }
  const elements = [];
  for (const segment of text.split(GS)) {
    if (!segment) continue;
    const result = parseSegment(segment);
    if (result.error) return result;
    elements.push(...result.elements);
  }
  return withoutConflicts(message({ elements }));
}

// Read the human-readable form, e.g. (01)09506000134352(17)261231(10)AB12.
export function parseBracketed(input) {
  if (!PRINTABLE.test(input)) return message({ error: "bad_char" });
  // Printed labels space the groups; GS1 data never contains a space.
  const text = input.split(" ").join("");
  if (!HRI.test(text)) return message({ error: "bad_format" });
  const elements = [];
  for (const [, ai, data] of text.matchAll(HRI_ELEMENT)) {
    if (!AI_TABLE.has(ai)) return message({ error: "unknown_ai" });
    const error = elementError(ai, data);
    if (error) return message({ error });
    elements.push([ai, data]);
  }
  return withoutConflicts(message({ elements }));
}

// Reject a message that gives one AI two different values.
function withoutConflicts(result) {
  const seen = new Map();
  for (const [ai, data] of result.elements) {
    if (!seen.has(ai)) seen.set(ai, data);
    else if (seen.get(ai) !== data) return message({ error: "duplicate_ai" });
  }
  return result;
}

// One GS-terminated run: a variable-length AI takes everything to the end.
function parseSegment(segment) {
  const elements = [];
  let pos = 0;
  while (pos < segment.length) {
    const { ai, error } = findAi(segment, pos);
    if (ai === null) return message({ error });
    const spec = AI_TABLE.get(ai);
    const start = pos + ai.length;
    const end = spec.min === spec.max ? start + spec.max : segment.length;
    if (end > segment.length) return message({ error: "truncated" });
    const dataError = elementError(ai, segment.slice(start, end));
    if (dataError) return message({ error: dataError });
    elements.push([ai, segment.slice(start, end)]);
    pos = end;
  }
  return message({ elements });
}

// Reads a message with no separators, trying each place a variable-length value could end.
// A value is taken as read when exactly one reading of the rest is valid; with two or more
// the message is ambiguous from that AI on.
class Splitter {
  constructor(text) {
    this.text = text;
    this.memo = new Map();
  }

  parse(pos, seen, strict) {
    const key = `${pos}|${[...seen].sort().join(",")}|${strict}`;
    if (!this.memo.has(key)) this.memo.set(key, this.parseFrom(pos, seen, strict));
    return this.memo.get(key);
  }

  parseFrom(pos, seenBefore, strict) {
    const text = this.text;
    const elements = [];
    const seen = new Set(seenBefore);
    while (pos < text.length) {
      const { ai, error } = findAi(text, pos);
      if (ai === null) return message({ error });
      // A reading that repeats an AI is not a plausible split.
      if (strict && seen.has(ai)) return message({ error: "duplicate_ai" });
      seen.add(ai);
      const spec = AI_TABLE.get(ai);
      const start = pos + ai.length;
      if (spec.min !== spec.max) return this.variable(elements, ai, start, seen);
      const end = start + spec.max;
      if (end > text.length) return message({ error: "truncated" });
      const dataError = elementError(ai, text.slice(start, end));
      if (dataError) return message({ error: dataError });
      elements.push([ai, text.slice(start, end)]);
      pos = end;
    }
    return message({ elements });
  }

  variable(elements, ai, start, seen) {
    const text = this.text;
    const rest = text.slice(start);
    const greedyError = elementError(ai, rest);
    const readings = [];
    if (greedyError === null) readings.push([rest, message({})]);
    const lastCut = Math.min(rest.length - 1, AI_TABLE.get(ai).max);
    for (let cut = 1; cut <= lastCut && readings.length < 2; cut += 1) {
      const next = findAi(text, start + cut).ai;
      if (!SPLIT_AIS.has(next) || elementError(ai, rest.slice(0, cut))) continue;
      const tail = this.parse(start + cut, seen, true);
      if (tail.error === null) readings.push([rest.slice(0, cut), tail]);
    }
    if (readings.length === 0) return message({ error: greedyError });
    if (readings.length > 1) return message({ elements, ambiguous: `(${ai})${rest}` });
    const [value, tail] = readings[0];
    return message({
      elements: [...elements, [ai, value], ...tail.elements],
      ambiguous: tail.ambiguous,
    });
  }
}

// ---- Readings of an ambiguous scan -----------------------------------------------------

// Enough readings to choose from on a screen; a real label has two or three.
export const MAX_READINGS = 8;

// What one reading of an ambiguous scan settles: the fields a GS1 element string can carry.
export const READING_FIELDS = ["gtin", "content_gtin", "sscc", "lot", "serial", "expiry", "best_before",
  "production_date", "qty", "ref"];

// Every valid way to read an element string sent without separators, as lists of elements: the Splitter's
// rules, but each place a variable-length value could end is kept. The value taking the whole rest comes first.
export function allReadings(text) {
  const memo = new Map();
  const read = (pos, seen, strict) => {
    const key = `${pos}|${[...seen].sort().join(",")}|${strict}`;
    if (memo.has(key)) return memo.get(key);
    let found = [];
    const ai = pos < text.length ? findAi(text, pos).ai : null;
    if (pos === text.length) {
      found = [[]];
    } else if (ai !== null && !(strict && seen.has(ai))) {
      const spec = AI_TABLE.get(ai);
      const start = pos + ai.length;
      const next = new Set([...seen, ai]);
      if (spec.min === spec.max) {
        const end = start + spec.max;
        if (end <= text.length && elementError(ai, text.slice(start, end)) === null) {
          found = read(end, next, strict).map((tail) => [[ai, text.slice(start, end)], ...tail]);
        }
      } else {
        const rest = text.slice(start);
        if (elementError(ai, rest) === null) found.push([[ai, rest]]);
        const lastCut = Math.min(rest.length - 1, spec.max);
        for (let cut = 1; cut <= lastCut; cut += 1) {
          if (!SPLIT_AIS.has(findAi(text, start + cut).ai) || elementError(ai, rest.slice(0, cut))) continue;
          found.push(...read(start + cut, next, true).map((tail) => [[ai, rest.slice(0, cut)], ...tail]));
        }
      }
    }
    memo.set(key, found.slice(0, MAX_READINGS));
    return memo.get(key);
  };
  return read(0, new Set(), false).filter((elements) => !withoutConflicts(message({ elements })).error);
}

// The ways an ambiguous scan can be read, each an object of READING_FIELDS (null where not carried); empty unless
// scan.ambiguous is set. Same readings, same order as the server's ambiguous_readings (pwa/scanning/scan.py).
export function ambiguousReadings(scan) {
  if (!scan || scan.kind !== "gs1" || !scan.ambiguous) return [];
  const known = READING_FIELDS.filter((name) => scan[name] !== null && scan[name] !== undefined);
  const readings = [];
  for (const elements of allReadings(scan.code)) {
    const read = gs1Scan(message({ elements }), scan.code, scan.symbology);
    const reading = Object.fromEntries(READING_FIELDS.map((name) => [name, read[name]]));
    if (known.some((name) => reading[name] !== scan[name])) continue;
    if (readings.some((other) => READING_FIELDS.every((name) => other[name] === reading[name]))) continue;
    readings.push(reading);
  }
  return readings;
}
