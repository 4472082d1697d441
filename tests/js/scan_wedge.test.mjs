// A keyboard-wedge scanner's burst is read as one scan; a person typing is never taken for a scanner.
import assert from "node:assert/strict";
import { test } from "node:test";
import { GS, WedgeReader, keyOf } from "../../static/js/scan/wedge.js";

function keys(text) {
  return [...text].map((char) => (char === GS ? { key: "]", ctrlKey: true, code: "BracketRight" } : { key: char }));
}

// Feeds keydowns `gapMs` apart from `start`; returns what the reader answered for each and the time after.
function feed(reader, events, { gapMs, start = 1000 }) {
  let time = start;
  const answers = events.map((event) => {
    time += gapMs;
    return reader.key(event, time);
  });
  return { answers, time };
}

test("a fast burst ended by Enter is one scan, with FNC1 sent as Ctrl+] read as GS", () => {
  const reader = new WedgeReader();
  const raw = `]d201076123400000411728063010L2611A${GS}21SN42`;

  const { answers } = feed(reader, [...keys(raw), { key: "Enter" }], { gapMs: 4 });

  assert.equal(answers.at(-1).scan, raw);
  assert.equal(answers.at(-1).swallow, true, "the Enter must not submit whatever form has the focus");
});

test("a Tab suffix ends a scan like Enter", () => {
  const reader = new WedgeReader();

  const { answers } = feed(reader, [...keys("WARD-4B"), { key: "Tab" }], { gapMs: 8 });

  assert.equal(answers.at(-1).scan, "WARD-4B");
});

test("a GS sent as its own key character is kept", () => {
  const reader = new WedgeReader();

  const { answers } = feed(reader, [...keys("10AB"), { key: GS }, ...keys("21X1"), { key: "Enter" }], { gapMs: 3 });

  assert.equal(answers.at(-1).scan, `10AB${GS}21X1`);
});

test("slow typing followed by Enter is not a scan and nothing is swallowed", () => {
  const reader = new WedgeReader();

  const { answers } = feed(reader, [...keys("SYR-10ML"), { key: "Enter" }], { gapMs: 140 });

  assert.ok(answers.every((answer) => answer.scan === undefined && !answer.swallow));
});

test("a fast typist (60 ms between keys) is still typing", () => {
  const reader = new WedgeReader();

  const { answers } = feed(reader, [...keys("ENC-2026-000123"), { key: "Enter" }], { gapMs: 60 });

  assert.equal(answers.at(-1).scan, undefined);
});

test("a short fast chord is not a scan", () => {
  const reader = new WedgeReader();

  const { answers } = feed(reader, [...keys("ab"), { key: "Enter" }], { gapMs: 5 });

  assert.equal(answers.at(-1).scan, undefined);
});

test("characters typed before a burst are not part of the scan", () => {
  const reader = new WedgeReader();
  let { time } = feed(reader, keys("12"), { gapMs: 200 });

  const { answers } = feed(reader, [...keys("OR-12345"), { key: "Enter" }], { gapMs: 5, start: time + 300 });

  assert.equal(answers.at(-1).scan, "OR-12345");
});

test("a burst without a suffix ends when the keys stop", () => {
  const reader = new WedgeReader();
  const { time } = feed(reader, keys("0107612340000041"), { gapMs: 5 });

  assert.deepEqual(reader.idle(time + 20), {}, "too early: more keys may come");
  assert.deepEqual(reader.idle(time + 100), { scan: "0107612340000041" });
});

test("slow typing left alone never ends as a scan", () => {
  const reader = new WedgeReader();
  const { time } = feed(reader, keys("SYR-10ML"), { gapMs: 150 });

  assert.deepEqual(reader.idle(time + 500), {});
});

test("the keys that carry nothing are ignored and modifiers do not break a burst", () => {
  assert.equal(keyOf({ key: "Shift" }), null);
  assert.equal(keyOf({ key: "c", ctrlKey: true }), null);
  assert.deepEqual(keyOf({ key: "GroupSeparator" }), { char: GS });
  const reader = new WedgeReader();
  const events = [{ key: "Shift" }, { key: "A" }, { key: "Shift" }, ...keys("BC-1"), { key: "Enter" }];

  const { answers } = feed(reader, events, { gapMs: 5 });

  assert.equal(answers.at(-1).scan, "ABC-1");
});
