// The scan pipeline: bounce guard, lot/expiry labels joined to the item before them, and what each label resolves to.
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseScan } from "../../static/js/scan/gs1.js";
import { BounceGuard, ScanPipeline, hibccJoined, joinScans, resolveScan } from "../../static/js/scan/pipeline.js";

const GS = "\x1d";
const SYRINGE = { ref: "SYR-10ML", name: "Syringe Luer lock 10ml", codes: ["07612340000041", "7612340000041"] };
const HIBC_ITEM = { ref: "HIB-PROD", name: "HIBC catheter", codes: ["+A123PROD1I"] };

// A catalog shaped like the device's (catalog.js findItem: keys from the scan, most specific first).
const catalog = {
  async item(raw) {
    const scan = parseScan(raw);
    for (const product of [SYRINGE, HIBC_ITEM]) {
      if ([product.ref, ...product.codes].some((code) => code === scan.gtin || code === scan.code)) {
        return { ref: product.ref, name: product.name, scan: raw, lot: scan.lot || "", expiry: scan.expiry || "",
                 serial: scan.serial || "", pack_qty: 1 };
      }
    }
    return null;
  },
  async location(code) {
    return { "WARD-4B": { code: "WARD-4B", name: "Ward 4B" } }[code] || null;
  },
};

function pipeline(clock = { now: 0 }) {
  const seen = [];
  const signals = [];
  const p = new ScanPipeline({ catalog, now: () => clock.now, onResult: (r) => seen.push(r), feedback: (s) => signals.push(s) });
  return { p, seen, signals, clock };
}

test("the same code seen again within the window is a bounce; after it, a new item", () => {
  const guard = new BounceGuard(1500);

  assert.equal(guard.isBounce("A", 0), false);
  assert.equal(guard.isBounce("A", 400), true);
  assert.equal(guard.isBounce("B", 500), false);
  assert.equal(guard.isBounce("A", 3000), false);
});

test("a label held in front of the camera stays one item however long it is held", () => {
  const guard = new BounceGuard(1500);
  const sightings = [0, 120, 240, 1000, 1900, 2800, 3700].map((time) => guard.isBounce("A", time));

  assert.deepEqual(sightings, [false, true, true, true, true, true, true]);
});

test("a repeated camera scan asks for confirmation, and the confirmed repeat is a second item", async () => {
  const { p, seen, signals, clock } = pipeline();
  const raw = "(01)07612340000041(17)280630(10)L1";

  await p.submit(raw, { source: "camera" });
  clock.now = 300;
  const repeat = await p.submit(raw, { source: "camera" });
  const confirmed = await p.submit(raw, { source: "camera", confirmed: true });

  assert.deepEqual(seen.map((r) => r.type), ["item", "bounce", "item"]);
  assert.equal(repeat.ok, false);
  assert.deepEqual(signals, ["ok", "repeat", "ok"]);
  assert.equal(confirmed.item.ref, "SYR-10ML");
});

test("typing the same code twice is deliberate, not a bounce", async () => {
  const { p, seen } = pipeline();

  await p.submit("SYR-10ML");
  await p.submit("SYR-10ML");

  assert.deepEqual(seen.map((r) => r.type), ["item", "item"]);
});

test("a lot and expiry label scanned after the item is joined into one GS1 scan", async () => {
  const { p, clock } = pipeline();

  await p.submit("0107612340000041", { source: "wedge" });
  clock.now = 2000;
  const joined = await p.submit(`]d21728063010L2611A`, { source: "wedge" });

  assert.equal(joined.type, "item");
  assert.equal(joined.joined, true);
  assert.equal(joined.raw, "(01)07612340000041(17)280630(10)L2611A");
  assert.deepEqual([joined.item.ref, joined.item.lot, joined.item.expiry], ["SYR-10ML", "L2611A", "2028-06-30"]);
  assert.deepEqual(await catalog.item(joined.raw).then((i) => [i.lot, i.expiry]), ["L2611A", "2028-06-30"]);
});

test("an EAN-13 item takes its lot label into a GS1 scan too", () => {
  const joined = joinScans(parseScan("7612340000041"), parseScan("(10)B7(17)270115"));

  assert.equal(joined.raw, "(01)07612340000041(17)270115(10)B7");
  assert.equal(joined.composed, true);
});

test("a lot label with nothing before it, or long after, asks for the item first", async () => {
  const { p, clock } = pipeline();
  const alone = await p.submit("(10)L1(17)280630");

  await p.submit("(01)07612340000041");
  clock.now = 60000;
  const late = await p.submit("(10)L1(17)280630");

  assert.equal(alone.type, "detail");
  assert.equal(late.type, "detail");
  assert.equal(alone.ok, false);
});

test("a lot label that contradicts the item's own lot is not joined", async () => {
  const { p } = pipeline();

  await p.submit("(01)07612340000041(10)L1");
  const other = await p.submit("(10)L2");

  assert.equal(other.type, "detail");
  assert.match(other.message, /does not match/);
});

test("one lot label joins one item: a second one asks for the item again", async () => {
  const { p } = pipeline();

  await p.submit("(01)07612340000041");
  await p.submit("(10)L1");
  const again = await p.submit("(17)280630");

  assert.equal(again.type, "detail");
});

test("a HIBC secondary label is joined to its primary as one concatenated HIBC label", async () => {
  assert.equal(hibccJoined("+A123PROD1I", "+$$3261231LOT42IK"), "+A123PROD1/$$3261231LOT42J");
  const { p } = pipeline();

  await p.submit("+A123PROD1I");
  const joined = await p.submit("+$$3261231LOT42IK");

  assert.equal(joined.type, "item");
  assert.equal(joined.raw, "+A123PROD1/$$3261231LOT42J");
  assert.deepEqual([joined.item.lot, joined.item.expiry], ["LOT42", "2026-12-31"]);
});

test("a lot label after an item typed by reference travels as fields of the line", async () => {
  const { p } = pipeline();

  await p.submit("SYR-10ML");
  const joined = await p.submit("(10)L9(17)290101");

  assert.equal(joined.type, "item");
  assert.equal(joined.composed, false);
  assert.equal(joined.raw, "SYR-10ML");
  assert.deepEqual([joined.item.lot, joined.item.expiry], ["L9", "2029-01-01"]);
});

test("the app's own labels resolve to a location, a bin, a badge and an encounter", async () => {
  const resolve = (raw, options = {}) => resolveScan(raw, { catalog, ...options });

  const location = await resolve("WARD-4B");
  const bin = await resolve("BIN:WARD-4B:SYR-10ML");
  const badge = await resolve("BADGE:nurse");
  const encounter = await resolve("ENC-2026-000123");
  const custom = await resolve("V123456", { encounterPattern: "^V\\d{6}$" });

  assert.deepEqual([location.type, location.location.code], ["location", "WARD-4B"]);
  assert.deepEqual([bin.type, bin.item.ref, bin.location.code], ["bin", "SYR-10ML", "WARD-4B"]);
  assert.deepEqual([badge.type, badge.login], ["badge", "nurse"]);
  assert.deepEqual([encounter.type, encounter.encounter], ["encounter", "ENC-2026-000123"]);
  assert.deepEqual([custom.type, custom.encounter], ["encounter", "V123456"]);
  assert.ok([location, bin, badge, encounter].every((r) => r.ok));
});

test("an unknown or damaged barcode is a failure with a message, never mapped to anything", async () => {
  const { p, signals } = pipeline();

  const unknown = await p.submit("(01)07612340099991(10)X");
  const damaged = await p.submit("(01)07612340000042");
  const badBin = await p.submit("BIN:ICU:SYR-10ML");

  assert.deepEqual([unknown.type, damaged.type, badBin.type], ["unknown", "invalid", "unknown"]);
  assert.match(damaged.message, /check digit/);
  assert.deepEqual(signals, ["error", "error", "error"]);
  assert.equal(unknown.item, undefined);
});

test("a scan of a GS1 DataMatrix with GS separators resolves to the item with its serial", async () => {
  const { p } = pipeline();

  const found = await p.submit(`]d20107612340000041172806301 0L1${GS}21SN9`.replace(" ", ""), { source: "camera" });

  assert.deepEqual([found.type, found.item.ref, found.item.serial], ["item", "SYR-10ML", "SN9"]);
});
