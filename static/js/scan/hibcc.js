// HIBC LIC labels (HIBCC): primary (labeler, product, unit of measure), secondary (lot, expiry,
// serial) and both concatenated. Mirrors pwa/scanning/hibcc.py.

import { fullYear, isoDate, isoOrdinal } from "./dates.js";

// Code 39 characters in the order of their mod-43 check values.
export const CODE39 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-. $/+%";

const PRIMARY = /^([A-Z][0-9A-Z]{3})([0-9A-Z]{1,18})([0-9])$/;
const ID = /^[0-9A-Z]{1,18}$/;
const DIGITS = /^[0-9]+$/;

class HibccError extends Error {
  constructor(code) {
    super(code);
    this.code = code;
  }
}

// The mod-43 check character for everything before it, the leading + included.
export function checkCharacter(body) {
  let sum = 0;
  for (const char of body) sum += CODE39.indexOf(char);
  return CODE39[sum % 43];
}

// Read a HIBC label starting with "+": { label } when valid, { error } with a code when not.
export function parseHibcc(code) {
  try {
    return { label: readLabel(code), error: null };
  } catch (error) {
    if (error instanceof HibccError) return { label: null, error: error.code };
    throw error;
  }
}

function readLabel(code) {
  if (code.length < 3 || !code.startsWith("+") || [...code].some((c) => !CODE39.includes(c))) {
    throw new HibccError("bad_hibcc");
  }
  const body = code.slice(0, -1);
  if (checkCharacter(body) !== code.slice(-1)) throw new HibccError("bad_hibcc_check");
  const data = body.slice(1);
  const label = {
    lic: null, product: null, uom: null, lot: null, serial: null,
    expiry: null, production_date: null, qty: null,
  };
  if (data[0] >= "A" && data[0] <= "Z") {
    const slash = data.indexOf("/");
    const primary = slash === -1 ? data : data.slice(0, slash);
    const match = PRIMARY.exec(primary);
    if (!match) throw new HibccError("bad_hibcc");
    [, label.lic, label.product, label.uom] = match;
    if (slash !== -1) readSecondary(data.slice(slash + 1), label);
  } else {
    // A secondary label on its own ends with the primary's check
    // character (the link), which ties it to the product label.
    if (data.length < 2) throw new HibccError("bad_hibcc");
    readSecondary(data.slice(0, -1), label);
  }
  return label;
}

function readSecondary(secondary, label) {
  const [main, ...supplements] = secondary.split("/");
  if (main.startsWith("$$+")) {
    const [expiry, rest] = takeDate(main.slice(3));
    label.expiry = expiry;
    label.serial = identifier(rest);
  } else if (main.startsWith("$$")) {
    const [qty, afterQty] = takeQuantity(main.slice(2));
    const [expiry, rest] = takeDate(afterQty);
    label.qty = qty;
    label.expiry = expiry;
    label.lot = rest ? identifier(rest) : null;
  } else if (main.startsWith("$+")) {
    label.serial = identifier(main.slice(2));
  } else if (main.startsWith("$")) {
    label.lot = identifier(main.slice(1));
  } else if (main.length >= 5 && DIGITS.test(main.slice(0, 5))) {
    // Oldest secondary format: YYJJJ (Julian date) then the lot.
    label.expiry = julian(main.slice(0, 5));
    label.lot = main.slice(5) ? identifier(main.slice(5)) : null;
  } else {
    throw new HibccError("bad_hibcc");
  }
  for (const supplement of supplements) readSupplement(supplement, label);
}

// Supplemental data after "/": S serial, 14D expiry, 16D manufacture date.
function readSupplement(supplement, label) {
  if (supplement.startsWith("S") && label.serial === null) {
    label.serial = identifier(supplement.slice(1));
  } else if (supplement.startsWith("14D") && label.expiry === null) {
    label.expiry = longDate(supplement.slice(3));
  } else if (supplement.startsWith("16D") && label.production_date === null) {
    label.production_date = longDate(supplement.slice(3));
  } else {
    throw new HibccError("bad_hibcc");
  }
}

function identifier(value) {
  if (!ID.test(value)) throw new HibccError("bad_hibcc");
  return value;
}

// An optional quantity: 8 then two digits, or 9 then five.
function takeQuantity(value) {
  const width = { 8: 2, 9: 5 }[value.slice(0, 1)];
  if (width === undefined) return [null, value];
  const digits = value.slice(1, 1 + width);
  if (digits.length !== width || !DIGITS.test(digits)) throw new HibccError("bad_hibcc");
  return [parseInt(digits, 10), value.slice(1 + width)];
}

// The expiry whose format the first character names; 0 or 1 starts a bare MMYY.
function takeDate(value) {
  const flag = value.slice(0, 1);
  if (flag === "0" || flag === "1") {
    const d = fixedDigits(value, 0, 4);
    const year = fullYear(int(d.slice(2)));
    return [valid(isoDate(year, int(d.slice(0, 2)), 0)), value.slice(4)];
  }
  if (flag === "2") {
    const d = fixedDigits(value, 1, 6);
    const year = fullYear(int(d.slice(4)));
    return [valid(isoDate(year, int(d.slice(0, 2)), int(d.slice(2, 4)))), value.slice(7)];
  }
  if (flag === "3") return [shortDate(fixedDigits(value, 1, 6)), value.slice(7)];
  if (flag === "4") {
    const d = fixedDigits(value, 1, 8);
    hour(d.slice(6));
    return [shortDate(d.slice(0, 6)), value.slice(9)];
  }
  if (flag === "5") return [julian(fixedDigits(value, 1, 5)), value.slice(6)];
  if (flag === "6") {
    const d = fixedDigits(value, 1, 7);
    hour(d.slice(5));
    return [julian(d.slice(0, 5)), value.slice(8)];
  }
  if (flag === "7") return [null, value.slice(1)];
  throw new HibccError("bad_hibcc");
}

const int = (digits) => parseInt(digits, 10);

function fixedDigits(value, start, width) {
  const d = value.slice(start, start + width);
  if (d.length !== width || !DIGITS.test(d)) throw new HibccError("bad_hibcc");
  return d;
}

// YYMMDD; unlike GS1, HIBC has no day 00.
function shortDate(d) {
  const day = int(d.slice(4));
  if (day === 0) throw new HibccError("bad_date");
  return valid(isoDate(fullYear(int(d.slice(0, 2))), int(d.slice(2, 4)), day));
}

// YYYYMMDD, used by the supplemental data fields.
function longDate(value) {
  if (value.length !== 8 || !DIGITS.test(value)) throw new HibccError("bad_hibcc");
  const day = int(value.slice(6));
  if (day === 0) throw new HibccError("bad_date");
  return valid(isoDate(int(value.slice(0, 4)), int(value.slice(4, 6)), day));
}

function julian(d) {
  return valid(isoOrdinal(fullYear(int(d.slice(0, 2))), int(d.slice(2))));
}

function hour(d) {
  if (int(d) > 23) throw new HibccError("bad_date");
}

function valid(date) {
  if (date === null) throw new HibccError("bad_date");
  return date;
}
