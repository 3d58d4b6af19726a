"""Synthetic Apple Health exports for the tests and the import benchmark.

Built from the facts in ../shared/FORMATS.md ("Apple Health") and the real
excerpts in ../shared/data/apple_health: an internal DTD first, then many
``<Record>`` rows, then the ``<Workout>`` elements (the order of a real
export.xml), in the old layout (totals as attributes, routes inline) or the
iOS 16+ one (``<WorkoutStatistics>`` children, a watchOS 9 ``<WorkoutActivity>``
with statistics of its own, routes as referenced GPX files, several per
workout).
"""

from __future__ import annotations

import io
import random
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

DTD = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE HealthData [
<!-- synthetic export for runlog's tests -->
<!ELEMENT HealthData (ExportDate,Me,(Record|Correlation|Workout|ActivitySummary|ClinicalRecord)*)>
<!ATTLIST HealthData locale CDATA #REQUIRED>
<!ELEMENT ExportDate EMPTY>
<!ATTLIST ExportDate value CDATA #REQUIRED>
<!ELEMENT Me EMPTY>
<!ELEMENT Record ((MetadataEntry|HeartRateVariabilityMetadataList)*)>
<!ATTLIST Record type CDATA #REQUIRED unit CDATA #IMPLIED value CDATA #IMPLIED sourceName CDATA #REQUIRED>
<!ELEMENT Workout ((MetadataEntry|WorkoutEvent|WorkoutActivity|WorkoutStatistics|WorkoutRoute)*)>
<!ATTLIST Workout workoutActivityType CDATA #REQUIRED duration CDATA #IMPLIED durationUnit CDATA #IMPLIED>
<!ELEMENT WorkoutActivity ((WorkoutEvent|WorkoutStatistics|MetadataEntry)*)>
<!ELEMENT WorkoutStatistics EMPTY>
<!ELEMENT WorkoutRoute ((MetadataEntry|FileReference|Location)*)>
<!ELEMENT FileReference EMPTY>
<!ATTLIST FileReference path CDATA #REQUIRED>
<!ELEMENT Location EMPTY>
<!ELEMENT MetadataEntry EMPTY>
<!ATTLIST MetadataEntry key CDATA #REQUIRED value CDATA #REQUIRED>
<!ELEMENT ActivitySummary EMPTY>
]>
<HealthData locale="en_US">
 <ExportDate value="2025-07-19 10:36:11 +0200"/>
 <Me HKCharacteristicTypeIdentifierDateOfBirth="1990-02-02" HKCharacteristicTypeIdentifierBiologicalSex="HKBiologicalSexFemale"/>
"""
TAIL = " <ActivitySummary dateComponents=\"2025-07-18\" activeEnergyBurned=\"590\" activeEnergyBurnedUnit=\"kcal\"/>\n</HealthData>\n"
WATCH_DEVICE = ("&lt;&lt;HKDevice: 0x282a45810&gt;, name:Apple Watch, manufacturer:Apple Inc., model:Watch, "
                "hardware:Watch6,2, software:10.1&gt;")
#: the writer's offset in every date (the phone's at export time, not the run's)
EXPORT_OFFSET = "+0200"


def fmt(t: pd.Timestamp, offset: str = EXPORT_OFFSET) -> str:
    """An Apple Health date of the UTC instant ``t``, written with the phone's ``offset``."""
    hours = int(offset[:3])
    minutes = int(offset[0] + offset[3:])
    local = t.tz_convert("UTC").tz_localize(None) + pd.Timedelta(hours=hours, minutes=minutes)
    return f"{local:%Y-%m-%d %H:%M:%S} {offset}"


@dataclass
class Run:
    """A workout to write; ``start`` is a UTC instant."""

    start: pd.Timestamp
    minutes: float
    km: float
    kind: str = "Running"
    source: str = "Simon’s Apple Watch"
    watch: bool = True
    layout: str = "new"
    indoor: bool = False
    zone: str | None = "Europe/Berlin"
    hr: float = 151.0
    routes: list[str] = field(default_factory=list)
    distance_unit: str = "km"
    offset_s: float = 0.0  # another app's copy may start a little later

    @property
    def t0(self) -> pd.Timestamp:
        return self.start + pd.Timedelta(seconds=self.offset_s)

    @property
    def t1(self) -> pd.Timestamp:
        return self.t0 + pd.Timedelta(minutes=self.minutes)


def workout_xml(r: Run) -> str:
    """One ``<Workout>`` element in the old or the new layout."""
    kind = f"HKWorkoutActivityType{r.kind}"
    device = f' device="{WATCH_DEVICE}"' if r.watch else ""
    dates = f'creationDate="{fmt(r.t1)}" startDate="{fmt(r.t0)}" endDate="{fmt(r.t1)}"'
    meta = [f'  <MetadataEntry key="HKIndoorWorkout" value="{int(r.indoor)}"/>']
    if r.zone:
        meta.append(f'  <MetadataEntry key="HKTimeZone" value="{r.zone}"/>')
    meta.append('  <MetadataEntry key="HKElevationAscended" value="6575 cm"/>')
    if r.layout == "old":
        dist = r.km / 1.609344 if r.distance_unit == "mi" else r.km
        head = (f'<Workout workoutActivityType="{kind}" duration="{r.minutes}" durationUnit="min" '
                f'totalDistance="{dist}" totalDistanceUnit="{r.distance_unit}" totalEnergyBurned="480" '
                f'totalEnergyBurnedUnit="kcal" sourceName="{r.source}" sourceVersion="3.1"{device} {dates}>')
        body = meta + _inline_route(r)
        return " " + head + "\n" + "\n".join(body) + "\n </Workout>\n"
    head = (f'<Workout workoutActivityType="{kind}" duration="{r.minutes}" durationUnit="min" '
            f'sourceName="{r.source}" sourceVersion="10.1"{device} {dates}>')
    stats = [
        _stat("DistanceWalkingRunning", r, sum_=f"{r.km}", unit="km"),
        _stat("HeartRate", r, average=f"{r.hr}", minimum="98", maximum="178", unit="count/min"),
        _stat("StepCount", r, sum_=f"{170 * r.minutes:.0f}", unit="count"),
        _stat("ActiveEnergyBurned", r, sum_="480", unit="kcal"),
        _stat("RunningPower", r, average="245", unit="W"),
        _stat("RunningStrideLength", r, average="1.12", unit="m"),
        _stat("RunningGroundContactTime", r, average="251", unit="ms"),
        _stat("RunningVerticalOscillation", r, average="8.9", unit="cm"),
    ]
    activity = [  # watchOS 9+: the activity's own statistics, never to be added to the workout's
        f'  <WorkoutActivity uuid="A1" startDate="{fmt(r.t0)}" endDate="{fmt(r.t1)}" duration="{r.minutes}" '
        'durationUnit="min">',
        "   " + _stat("DistanceWalkingRunning", r, sum_=f"{r.km}", unit="km").strip(),
        "   " + _stat("HeartRate", r, average=f"{r.hr}", unit="count/min").strip(),
        "  </WorkoutActivity>",
    ]
    events = [f'  <WorkoutEvent type="HKWorkoutEventTypeSegment" date="{fmt(r.t0)}" duration="5" '
              'durationUnit="min"/>']
    routes = []
    if r.routes:
        routes = [f'  <WorkoutRoute sourceName="{r.source}" sourceVersion="10.1" {dates}>']
        routes += [f'   <FileReference path="/workout-routes/{name}"/>' for name in r.routes]
        routes.append("  </WorkoutRoute>")
    return " " + head + "\n" + "\n".join(meta + events + activity + stats + routes) + "\n </Workout>\n"


def _stat(name: str, r: Run, *, sum_=None, average=None, minimum=None, maximum=None, unit="") -> str:
    attrs = [f'type="HKQuantityTypeIdentifier{name}"', f'startDate="{fmt(r.t0)}"', f'endDate="{fmt(r.t1)}"']
    for key, value in (("average", average), ("minimum", minimum), ("maximum", maximum), ("sum", sum_)):
        if value is not None:
            attrs.append(f'{key}="{value}"')
    attrs.append(f'unit="{unit}"')
    return "  <WorkoutStatistics " + " ".join(attrs) + "/>"


def _track(r: Run, n: int | None = None) -> list[tuple[pd.Timestamp, float, float, float]]:
    """Points every 10 s along a line heading north-east at the run's speed."""
    n = n or max(2, int(r.minutes * 6))
    speed = r.km * 1000 / (r.minutes * 60)
    pts = []
    for i in range(n):
        d = speed * 10 * i
        pts.append((r.t0 + pd.Timedelta(seconds=10 * i), 52.5 + d / 111_320 * 0.7071,
                    13.4 + d / (111_320 * 0.6088) * 0.7071, speed))
    return pts


def _inline_route(r: Run) -> list[str]:
    if not r.routes:
        return []
    lines = [f'  <WorkoutRoute sourceName="{r.source}" startDate="{fmt(r.t0)}" endDate="{fmt(r.t1)}">']
    for t, lat, lon, speed in _track(r):
        lines.append(f'   <Location date="{fmt(t)}" latitude="{lat:.6f}" longitude="{lon:.6f}" altitude="34.5" '
                     f'horizontalAccuracy="2.4" verticalAccuracy="1.6" course="45" speed="{speed:.3f}"/>')
    lines.append("  </WorkoutRoute>")
    return lines


def route_gpx(r: Run, part: int = 0, parts: int = 1) -> bytes:
    """The route file of ``r`` (GPX 1.1 as the Health app writes it); part ``part`` of ``parts``."""
    pts = _track(r)
    k = len(pts) // parts
    pts = pts[part * k: (part + 1) * k if part < parts - 1 else len(pts)]
    rows = "\n".join(
        f'      <trkpt lon="{lon:.6f}" lat="{lat:.6f}"><ele>34.5</ele><time>{t:%Y-%m-%dT%H:%M:%SZ}</time>'
        f"<extensions><speed>{speed:.6f}</speed><course>45.0</course><hAcc>2.4</hAcc><vAcc>1.6</vAcc>"
        "</extensions></trkpt>"
        for t, lat, lon, speed in pts
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<gpx version="1.1" creator="Apple Health Export" '
        'xmlns="http://www.topografix.com/GPX/1/1">\n  <metadata><time>2025-07-19T08:36:11Z</time></metadata>\n'
        f"  <trk>\n    <name>Route {r.t0:%Y-%m-%d %H:%M}</name>\n    <trkseg>\n{rows}\n    </trkseg>\n"
        "  </trk>\n</gpx>\n"
    ).encode()


_RECORD_TYPES = (
    ("HeartRate", "count/min", lambda rng: f"{rng.randint(52, 175)}"),
    ("StepCount", "count", lambda rng: f"{rng.randint(3, 900)}"),
    ("ActiveEnergyBurned", "kcal", lambda rng: f"{rng.uniform(0.01, 9):.3f}"),
    ("BasalEnergyBurned", "kcal", lambda rng: f"{rng.uniform(0.5, 2):.3f}"),
    ("DistanceWalkingRunning", "km", lambda rng: f"{rng.uniform(0.001, 0.6):.5f}"),
)


def records(n: int, seed: int = 0, start: str = "2024-01-01T00:00:00Z") -> str:
    """``n`` generated ``<Record>`` rows (some with metadata children), as one string."""
    rng = random.Random(seed)
    t = pd.Timestamp(start)
    out = []
    for _ in range(n):
        name, unit, value = rng.choice(_RECORD_TYPES)
        t += pd.Timedelta(seconds=rng.randint(5, 400))
        dates = f'creationDate="{fmt(t)}" startDate="{fmt(t)}" endDate="{fmt(t)}"'
        head = (f' <Record type="HKQuantityTypeIdentifier{name}" sourceName="Simon’s Apple Watch" '
                f'sourceVersion="10.1" device="{WATCH_DEVICE}" unit="{unit}" {dates} value="{value(rng)}"')
        if name == "HeartRate" and rng.random() < 0.5:
            out.append(head + '>\n  <MetadataEntry key="HKMetadataKeyHeartRateMotionContext" value="0"/>\n'
                       " </Record>\n")
        else:
            out.append(head + "/>\n")
    return "".join(out)


def export_xml(runs: list[Run], n_records: int = 200, *, seed: int = 0, interleave: bool = False,
               doctype: str = DTD) -> bytes:
    """A whole export.xml: the DTD, records, the workouts (between the records when ``interleave``)."""
    parts = [doctype]
    if interleave:
        for r in runs:
            parts += [records(n_records // max(len(runs), 1), seed=seed + len(parts)), workout_xml(r)]
    else:
        parts += [records(n_records, seed=seed)] + [workout_xml(r) for r in runs]
    return ("".join(parts) + TAIL).encode("utf-8")


def route_files(runs: list[Run]) -> dict[str, bytes]:
    """``workout-routes/<name>`` -> GPX bytes for every route file the runs reference."""
    out = {}
    for r in runs:
        for k, name in enumerate(r.routes):
            out[f"workout-routes/{name}"] = route_gpx(r, k, len(r.routes))
    return out


def write_folder(folder: Path, runs: list[Run], **kw) -> Path:
    """An unzipped export: ``folder/apple_health_export/{export.xml, workout-routes/...}``."""
    root = folder / "apple_health_export"
    (root / "workout-routes").mkdir(parents=True, exist_ok=True)
    (root / "export.xml").write_bytes(export_xml(runs, **kw))
    (root / "export_cda.xml").write_text('<?xml version="1.0"?><ClinicalDocument/>')
    for rel, data in route_files([r for r in runs if r.layout == "new"]).items():
        (root / rel).write_bytes(data)
    return root


def zip_bytes(runs: list[Run], **kw) -> bytes:
    """``export.zip`` as the Health app writes it."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("apple_health_export/export.xml", export_xml(runs, **kw))
        zf.writestr("apple_health_export/export_cda.xml", '<?xml version="1.0"?><ClinicalDocument/>')
        for rel, data in route_files([r for r in runs if r.layout == "new"]).items():
            zf.writestr(f"apple_health_export/{rel}", data)
    return buf.getvalue()


def real_workout(shared_data: Path, day_shift: int = 0) -> str:
    """The real watchOS 3.1 workout of ../shared/data/apple_health/export.xml, moved ``day_shift`` days."""
    text = (shared_data / "apple_health" / "export.xml").read_text(encoding="utf-8")
    element = re.search(r"<Workout .*?</Workout>", text, re.S).group(0)
    if not day_shift:
        return " " + element + "\n"

    def move(m: re.Match) -> str:
        t = pd.Timestamp(m.group(1)) + pd.Timedelta(days=day_shift)
        return f'"{t:%Y-%m-%d %H:%M:%S}{m.group(2)}"'

    return " " + re.sub(r'"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)( [+-]\d{4})"', move, element) + "\n"


def three_runs_a_walk_and_a_ride() -> list[Run]:
    """The issue's export: 3 runs (one on a treadmill, one with two route files), a walk and a ride, and
    Strava's copy of the first run (starting 4 s later, 2 % longer: it measured the route again)."""
    day = pd.Timestamp("2025-06-02T05:10:00Z")
    return [
        Run(day, 41.5, 8.95512, routes=["route_2025-06-02_7.10am.gpx"]),
        Run(day, 41.5, 9.13, source="Strava", watch=False, zone=None, offset_s=4.0),
        Run(day + pd.Timedelta(days=2), 30.0, 6.0, indoor=True),
        Run(day + pd.Timedelta(days=4, hours=17, minutes=20), 75.0, 14.2,
            routes=["route_2025-06-07_0.30am.gpx", "route_2025-06-07_1.08am.gpx"]),
        Run(day + pd.Timedelta(days=1), 50.0, 4.1, kind="Walking", routes=["route_2025-06-03_7.10am.gpx"]),
        Run(day + pd.Timedelta(days=3), 90.0, 35.0, kind="Cycling", routes=["route_2025-06-05_7.10am.gpx"]),
    ]
