// Reads an .ics file with two calendar readers we did not write and prints every event's start
// and end in UTC, per reader, as JSON: {"ical.js": {uid: [start, end]}, "node-ical": {...}}.
//   node tests/js/read_ics.mjs FILE.ics
// ical.js (Thunderbird, many web calendars) uses the file's own VTIMEZONE, registered the way those
// apps do; node-ical resolves the zone by its name. tests/test_ics_readers.py compares both to zoneinfo.
import { readFileSync } from "node:fs";
import ICAL from "ical.js";
import nodeIcal from "node-ical";

const file = process.argv[2];
const text = readFileSync(file, "utf8");

const fromIcalJs = {};
const root = new ICAL.Component(ICAL.parse(text));
for (const vtz of root.getAllSubcomponents("vtimezone")) {
  ICAL.TimezoneService.register(vtz);
}
for (const ve of root.getAllSubcomponents("vevent")) {
  const event = new ICAL.Event(ve);
  fromIcalJs[event.uid] = [event.startDate.toJSDate().toISOString(), event.endDate.toJSDate().toISOString()];
}

const fromNodeIcal = {};
for (const item of Object.values(nodeIcal.sync.parseICS(text))) {
  if (item.type === "VEVENT") {
    fromNodeIcal[item.uid] = [item.start.toISOString(), item.end.toISOString()];
  }
}

process.stdout.write(JSON.stringify({ "ical.js": fromIcalJs, "node-ical": fromNodeIcal }));
