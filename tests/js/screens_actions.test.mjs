// Actions built from a screen's form: the contract's fields only, a floor charge as a boolean, and a supervisor's
// override of a stock freeze only when it names both the supervisor and the reason.
import assert from "node:assert/strict";
import { test } from "node:test";
import { buildAction } from "../../static/js/screens.js";

const fixed = { deviceId: "tab-1", user: "nurse", now: new Date("2026-11-23T10:15:02.120Z"), makeId: () => "id-1" };
const lines = [{ scan: "07612340000041", qty: 2 }];

test("an issue to an encounter carries the encounter, not the form's other fields", () => {
  const action = buildAction({ ...fixed, type: "issue", lines,
                               values: { location: "WARD-4B", encounter: "ENC-2026-000123", floor_charge: "",
                                         location_label: "Ward 4B", encounter_entry: "x" } });
  assert.deepEqual(action, { id: "id-1", type: "issue", created_at: "2026-11-23T10:15:02.120Z", device_id: "tab-1",
                             user: "nurse", location: "WARD-4B", encounter: "ENC-2026-000123", lines });
});

test("a floor charge is a boolean and an override needs both who and why", () => {
  const floor = buildAction({ ...fixed, type: "issue", lines,
                              values: { location: "ED", floor_charge: "true", override_by: "supervisor",
                                        override_reason: "Trauma bay restock during count" } });
  assert.equal(floor.floor_charge, true);
  assert.deepEqual(floor.override, { by: "supervisor", reason: "Trauma bay restock during count" });
  const half = buildAction({ ...fixed, type: "issue", lines, values: { location: "ED", override_by: "supervisor" } });
  assert.equal("override" in half, false);
});
