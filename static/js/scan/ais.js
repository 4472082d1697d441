// The GS1 Application Identifiers the scanner understands, with the shape of their data.
// Mirrors pwa/scanning/application_identifiers.py; a server test holds the two equal.

const fixed = (ai, length) => [ai, { ai, numeric: true, min: length, max: length }];
const digits = (ai, max) => [ai, { ai, numeric: true, min: 1, max }];
const text = (ai, max) => [ai, { ai, numeric: false, min: 1, max }];

// Measures (310n-369n) exist only for the unit groups GS1 defines, n = 0..5 decimals.
const MEASURE_GROUPS = [
  ...[..."0123456"].map((u) => `31${u}`),
  ...[..."0123456789"].map((u) => `32${u}`),
  ...[..."01234567"].map((u) => `33${u}`),
  ...[..."0123456789"].map((u) => `34${u}`),
  ...[..."01234567"].map((u) => `35${u}`),
  ...[..."0123456789"].map((u) => `36${u}`),
];

export const AI_TABLE = new Map([
  fixed("00", 18),
  fixed("01", 14),
  fixed("02", 14),
  text("10", 20),
  fixed("11", 6),
  fixed("12", 6),
  fixed("13", 6),
  fixed("15", 6),
  fixed("16", 6),
  fixed("17", 6),
  fixed("20", 2),
  text("21", 20),
  text("22", 20),
  digits("30", 8),
  digits("37", 8),
  text("90", 30),
  ...[..."123456789"].map((d) => text(`9${d}`, 90)),
  text("235", 28),
  text("240", 30),
  text("241", 30),
  digits("242", 6),
  text("243", 20),
  text("250", 30),
  text("251", 30),
  text("254", 20),
  text("400", 30),
  text("401", 30),
  fixed("402", 17),
  text("403", 30),
  ...[..."01234567"].map((d) => fixed(`41${d}`, 13)),
  text("420", 20),
  fixed("422", 3),
  fixed("424", 3),
  fixed("426", 3),
  ...[..."0123456"].map((d) => text(`71${d}`, 20)),
  ...MEASURE_GROUPS.flatMap((group) => [..."012345"].map((n) => fixed(`${group}${n}`, 6))),
  text("7240", 20),
  text("8004", 30),
  fixed("8005", 6),
  text("8020", 25),
  text("8200", 70),
]);

// AIs whose data carries a mod-10 check digit (SSCC, GTIN, GLN).
export const CHECK_DIGIT_AIS = new Set(["00", "01", "02", "410", "411", "412", "413", "414", "415", "416", "417"]);

// AIs holding a YYMMDD date, where day 00 means the last day of the month.
export const DATE_AIS = new Set(["11", "12", "13", "15", "16", "17"]);

// AIs that can plausibly follow a lot or serial whose separator the scanner
// dropped; only these are tried when looking for a second reading of the data.
export const SPLIT_AIS = new Set(["00", "01", "02", "10", "11", "15", "17", "21", "30", "37", "240"]);

// The AI starting at pos, or an error code: "truncated" or "unknown_ai".
export function findAi(value, pos) {
  for (const length of [2, 3, 4]) {
    const candidate = value.slice(pos, pos + length);
    if (candidate.length === length && AI_TABLE.has(candidate)) return { ai: candidate, error: null };
  }
  const rest = value.slice(pos, pos + 4);
  for (const ai of AI_TABLE.keys()) {
    if (ai.startsWith(rest) && ai.length > rest.length) return { ai: null, error: "truncated" };
  }
  return { ai: null, error: "unknown_ai" };
}
