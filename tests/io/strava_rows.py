"""Rows of a Strava activities.csv for tests of the reader and of the export (tests/io, tests/ingest)."""

from __future__ import annotations

EN_HEADER = (
    "Activity ID,Activity Date,Activity Name,Activity Type,Activity Description,Elapsed Time,Distance,"
    "Max Heart Rate,Relative Effort,Commute,Activity Private Note,Activity Gear,Filename,Athlete Weight,"
    "Bike Weight,Elapsed Time,Moving Time,Distance,Max Speed,Average Speed,Elevation Gain,Average Cadence,"
    "Max Heart Rate,Average Heart Rate,Perceived Exertion,Gear"
)


def en_row(aid, date, name, typ, distance_km, distance_m, *, gear="", filename="", cadence="", rpe="",
           gear_id="", hr="", elevation="", moving="1500.0", elapsed="1600"):
    """One record of the EN_HEADER layout (display km first, metres second)."""
    cells = [aid, f'"{date}"', name, typ, "", elapsed, distance_km, "", "", "false", "", gear, filename, "", "",
             f"{elapsed}.0", moving, distance_m, "", "", elevation, cadence, "", hr, rpe, gear_id]
    return ",".join(str(c) for c in cells)


def log_rows(result):
    """The per-record log rows of activities.csv (row numbers given)."""
    return result.log[result.log["row"].notna()]
