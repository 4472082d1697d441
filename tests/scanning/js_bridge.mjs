// Lets the server tests ask the device parser: `parse` reads a JSON list of raw scans on
// stdin and prints each reading; `readings` does the same with the readings an ambiguous scan
// could have; `tables` prints the AI table and error texts the device carries.
import { readFileSync } from "node:fs";
import { AI_TABLE, CHECK_DIGIT_AIS, DATE_AIS, SPLIT_AIS } from "../../static/js/scan/ais.js";
import { ERROR_REASONS, ambiguousReadings, parseScan } from "../../static/js/scan/gs1.js";

const mode = process.argv[2];
if (mode === "parse") {
  const raws = JSON.parse(readFileSync(0, "utf8"));
  process.stdout.write(JSON.stringify(raws.map((raw) => parseScan(raw))));
} else if (mode === "readings") {
  const raws = JSON.parse(readFileSync(0, "utf8"));
  process.stdout.write(JSON.stringify(raws.map((raw) => ambiguousReadings(parseScan(raw)))));
} else if (mode === "tables") {
  process.stdout.write(JSON.stringify({
    ais: [...AI_TABLE.values()],
    check_digit_ais: [...CHECK_DIGIT_AIS].sort(),
    date_ais: [...DATE_AIS].sort(),
    split_ais: [...SPLIT_AIS].sort(),
    error_reasons: ERROR_REASONS,
  }));
} else {
  process.stderr.write(`usage: node js_bridge.mjs parse|readings|tables\n`);
  process.exit(2);
}
