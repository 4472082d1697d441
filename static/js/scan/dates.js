// Calendar rules shared by the GS1 and HIBCC parsers: two-digit years and end-of-month days.
// Mirrors pwa/scanning/dates.py (and biip's GS1 date rules on the server).

// Expand a two-digit year with the GS1 sliding window (49 years back, 50 ahead).
export function fullYear(twoDigitYear, today = new Date()) {
  const current = today.getUTCFullYear();
  const century = current - (current % 100);
  const offset = twoDigitYear - (current % 100);
  if (offset >= 51 && offset <= 99) return century - 100 + twoDigitYear;
  if (offset >= -99 && offset <= -50) return century + 100 + twoDigitYear;
  return century + twoDigitYear;
}

const isLeap = (year) => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;

export function lastDay(year, month) {
  return [31, isLeap(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
}

const pad = (number, width) => String(number).padStart(width, "0");

// ISO date, or null when the parts do not name a real day. Day 0 means month end.
export function isoDate(year, month, day) {
  if (month < 1 || month > 12 || year < 1 || year > 9999) return null;
  const end = lastDay(year, month);
  const actual = day === 0 ? end : day;
  if (actual < 1 || actual > end) return null;
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(actual, 2)}`;
}

// ISO date for a day of the year (Julian date as printed on HIBCC labels).
export function isoOrdinal(year, dayOfYear) {
  if (dayOfYear < 1 || dayOfYear > (isLeap(year) ? 366 : 365)) return null;
  let month = 1;
  let day = dayOfYear;
  while (day > lastDay(year, month)) {
    day -= lastDay(year, month);
    month += 1;
  }
  return isoDate(year, month, day);
}
