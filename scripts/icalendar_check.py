"""Reads an iCalendar file with the `icalendar` package (PyPI), as calendar programs would, and
prints what it understood as JSON for the Rust test that made the feed to judge: the calendar's
name and time zone, and per event its UID, summary, start and end (ISO 8601 with the UTC offset
the parser worked out, or a date for all-day events), status and description.

Usage: icalendar_check.py FILE"""

import json
import sys

import icalendar


def moment(value):
    return value.dt.isoformat() if value is not None else None


def main(path):
    with open(path, "rb") as file:
        calendar = icalendar.Calendar.from_ical(file.read())
    if calendar.errors:
        raise SystemExit(f"the parser reported errors: {calendar.errors}")
    events = []
    for event in calendar.walk("VEVENT"):
        if event.errors:
            raise SystemExit(f"the parser reported errors in {event.get('UID')}: {event.errors}")
        events.append(
            {
                "uid": str(event["UID"]),
                "summary": str(event["SUMMARY"]),
                "start": moment(event.get("DTSTART")),
                "end": moment(event.get("DTEND")),
                "status": str(event.get("STATUS", "")),
                "description": str(event.get("DESCRIPTION", "")),
            }
        )
    zones = [str(zone["TZID"]) for zone in calendar.walk("VTIMEZONE")]
    print(json.dumps({"name": str(calendar.get("X-WR-CALNAME")), "zones": zones, "events": events}, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1])
