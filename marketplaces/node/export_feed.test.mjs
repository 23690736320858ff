// A boat's export feed read by another iCalendar implementation than the one that wrote it:
// ical.js (vendor/ical.js-2.2.1, MPL-2.0, unmodified dist/ical.js of the published package).
//
// Reads the feed named by EXPORT_FEED_PATH, else the committed fixture (fixtures/boat_export.ics,
// the exporter's output for tests/marketplaces/test_export_node.py's dataset). When
// EXPORT_FEED_EXPECTED names a JSON file (or for the fixture, fixtures/boat_export.expected.json),
// the events must be exactly those: [{uid, start, end, summary}] with ISO 8601 UTC times.
//
// Run: node --test marketplaces/node/
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import ICAL from './vendor/ical.js-2.2.1/ical.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const FEED_PATH = process.env.EXPORT_FEED_PATH || path.join(HERE, 'fixtures', 'boat_export.ics');
const EXPECTED_PATH =
  process.env.EXPORT_FEED_EXPECTED ||
  (process.env.EXPORT_FEED_PATH ? '' : path.join(HERE, 'fixtures', 'boat_export.expected.json'));

const RAW = fs.readFileSync(FEED_PATH, 'utf8');
const CALENDAR = new ICAL.Component(ICAL.parse(RAW));
const EVENTS = CALENDAR.getAllSubcomponents('vevent');
// Everything an event may say: when, which, how often changed. No guest, money, place or notes.
const ALLOWED = ['dtend', 'dtstamp', 'dtstart', 'sequence', 'summary', 'transp', 'uid'];
const SUMMARIES = new Set(['Reserved', 'Maintenance', 'Blackout']);

function utcTime(event, name) {
  const prop = event.getFirstProperty(name);
  assert.ok(prop, `${name} missing`);
  assert.equal(prop.getParameter('tzid'), undefined, `${name} must not name a zone`);
  const value = prop.getFirstValue();
  assert.equal(value.isDate, false, `${name} must be a date-time, not an all-day date`);
  assert.equal(value.zone.tzid, 'UTC', `${name} must be in UTC`);
  return value;
}

test('the feed is one VCALENDAR 2.0 with a product id, a name and a refresh interval', () => {
  assert.equal(CALENDAR.name, 'vcalendar');
  assert.equal(CALENDAR.getFirstPropertyValue('version'), '2.0');
  assert.match(CALENDAR.getFirstPropertyValue('prodid'), /charterops/);
  assert.ok(CALENDAR.getFirstPropertyValue('x-wr-calname'));
  const refresh = CALENDAR.getFirstProperty('refresh-interval');
  assert.equal(refresh.type, 'duration');
  assert.equal(refresh.getFirstValue().toSeconds(), 15 * 60);
  assert.deepEqual(CALENDAR.getAllSubcomponents('vtimezone'), []);
});

test('lines end in CRLF and are folded at 75 octets (RFC 5545 3.1)', () => {
  assert.ok(RAW.endsWith('END:VCALENDAR\r\n'));
  const lines = RAW.split('\r\n');
  assert.ok(!lines.some((line) => line.includes('\n')), 'bare LF');
  for (const line of lines) assert.ok(Buffer.byteLength(line, 'utf8') <= 75, `too long: ${line}`);
});

test('each event says only when, with a unique UID and a neutral summary', () => {
  assert.ok(EVENTS.length > 0, 'no events');
  const uids = new Set();
  for (const event of EVENTS) {
    const names = event.getAllProperties().map((p) => p.name).sort();
    assert.deepEqual(names, ALLOWED);
    const uid = event.getFirstPropertyValue('uid');
    assert.match(uid, /^(booking|entry)-\d+@[a-z0-9.-]+$/);
    assert.ok(!uids.has(uid), `UID ${uid} twice`);
    uids.add(uid);
    assert.ok(SUMMARIES.has(event.getFirstPropertyValue('summary')), event.getFirstPropertyValue('summary'));
    assert.equal(event.getFirstPropertyValue('transp'), 'OPAQUE');
    const sequence = event.getFirstPropertyValue('sequence');
    assert.ok(Number.isInteger(sequence) && sequence >= 0 && sequence < 2 ** 31, `SEQUENCE ${sequence}`);
    const start = utcTime(event, 'dtstart');
    const end = utcTime(event, 'dtend');
    utcTime(event, 'dtstamp');
    assert.ok(end.compare(start) > 0, `${uid} ends before it starts`);
  }
});

test('the events are exactly the expected ones', { skip: !EXPECTED_PATH && 'no expected events given' }, () => {
  const expected = JSON.parse(fs.readFileSync(EXPECTED_PATH, 'utf8'));
  const iso = (time) => time.toJSDate().toISOString();
  const got = EVENTS.map((event) => {
    const e = new ICAL.Event(event);
    return { uid: e.uid, start: iso(e.startDate), end: iso(e.endDate), summary: e.summary };
  });
  const byUid = (a, b) => a.uid.localeCompare(b.uid);
  assert.deepEqual(got.sort(byUid), expected.sort(byUid));
});
