"""Tests of the locale data files of the Strava and Garmin readers (analysis/data/*_locales.json).

Each file must load through its reader's ``locale_tables`` (package data, read
once), hold every table in the shape the reader builds its lookups from, and
map only to names the reader and analysis.schema know.
"""

from __future__ import annotations

import collections
import fnmatch
import json
from importlib import resources

import pytest

from analysis import schema
from analysis.io import garmin, strava
from analysis.io import sports as io_sports

#: analysis's package-data patterns in pyproject.toml: a data file outside them is not installed
PACKAGE_DATA = ("data/*.csv", "data/*.json")


def _strings(values) -> bool:
    return isinstance(values, list) and all(isinstance(v, str) and v.strip() == v and v for v in values)


@pytest.mark.parametrize("module", [strava, garmin], ids=["strava", "garmin"])
def test_locale_file_is_package_data_and_loads_once(module):
    assert any(fnmatch.fnmatch(module.LOCALES_RESOURCE, p) for p in PACKAGE_DATA)
    text = resources.files("analysis").joinpath(module.LOCALES_RESOURCE).read_text(encoding="utf-8")
    assert module.locale_tables() == json.loads(text)
    assert module.locale_tables() is module.locale_tables()  # cached: parsed once
    tables = module.locale_tables()
    assert isinstance(tables["about"], str) and isinstance(tables["provenance"], str)
    for name, table in tables.items():
        if isinstance(table, dict):
            assert isinstance(table.get("about"), str) and table["about"], name


# --------------------------------------------------------------------------- Strava


def test_strava_header_aliases_name_the_reader_fields_once():
    fields = strava.locale_tables()["header_aliases"]["fields"]
    assert set(fields) == set(strava.HEADER_FIELDS)
    assert set(strava.PRE2019_ALIASES) <= set(strava.HEADER_FIELDS)
    assert set(strava.locale_tables()["header_aliases"]["notes"]) <= set(fields)
    owner: dict[str, set[str]] = collections.defaultdict(set)
    for field, names in fields.items():
        assert _strings(names) and names, field
        for name in names:
            assert strava.header_key(name), name
            owner[strava.header_key(name)].add(field)
    assert not {k: v for k, v in owner.items() if len(v) > 1}
    # a used header is never also listed as unused (it would be read and called unknown-free twice over)
    unused = strava.locale_tables()["known_unused_headers"]["languages"]
    assert all(_strings(names) and names for names in unused.values())
    assert not {strava.header_key(n) for names in unused.values() for n in names} & set(owner)


def test_strava_run_types_map_to_run_sports_only():
    languages = strava.locale_tables()["run_types"]["languages"]
    assert {"en", "nl", "de", "fr", "es"} <= set(languages)
    sports: dict[str, set[str]] = collections.defaultdict(set)
    for lang, types in languages.items():
        assert isinstance(types, dict) and types, lang
        assert _strings(list(types)), lang
        assert set(types.values()) <= set(schema.RUN_SPORTS), lang
        for name, sport in types.items():
            sports[strava.header_key(name)].add(sport)
    assert not {k: v for k, v in sports.items() if len(v) > 1}
    assert set(strava.locale_tables()["run_types"]["notes"]) <= set(languages)


def test_strava_month_names_cover_twelve_months_without_overlap():
    months = strava.locale_tables()["month_names"]["months"]
    assert list(months) == [str(m) for m in range(1, 13)]
    owner: dict[str, set[str]] = collections.defaultdict(set)
    for month, names in months.items():
        assert _strings(names) and names, month
        assert all(n == n.casefold() for n in names), month
        for name in names:
            owner[strava._fold(name)].add(month)
    assert not {k: v for k, v in owner.items() if len(v) > 1}


def test_strava_shoes_aliases_are_name_brand_model():
    fields = strava.locale_tables()["shoes_aliases"]["fields"]
    assert list(fields) == ["name", "brand", "model"]
    assert all(_strings(names) and names for names in fields.values())


def test_strava_module_tables_are_the_file():
    tables = strava.locale_tables()
    headers = {k: tuple(v) for k, v in tables["header_aliases"]["fields"].items()}
    shoes = {k: tuple(v) for k, v in tables["shoes_aliases"]["fields"].items()}
    assert headers == strava.HEADER_ALIASES
    assert shoes == strava.SHOES_ALIASES
    assert strava.MONTH_NAMES[10] == tuple(tables["month_names"]["months"]["10"])
    assert strava.RUN_TYPES["Hardloopsessie"] == "running"  # Dutch, in ../shared/data/strava
    n_unused = sum(len(v) for v in tables["known_unused_headers"]["languages"].values())
    assert len(strava.KNOWN_UNUSED_HEADERS) == n_unused


# --------------------------------------------------------------------------- Garmin


def _seen_best_known(entry: dict) -> list[str]:
    assert set(entry) <= {"seen", "best_known", "note"}
    assert _strings(entry["seen"]) and _strings(entry["best_known"])
    assert not set(entry["seen"]) & set(entry["best_known"])  # a name is seen or best known, not both
    assert isinstance(entry.get("note", ""), str)
    return entry["seen"] + entry["best_known"]


def test_garmin_header_aliases_name_the_reader_fields_once():
    fields = garmin.locale_tables()["header_aliases"]["fields"]
    assert set(fields) == set(garmin.HEADER_FIELDS)
    # every field the row parser reads has headers
    assert {*garmin._NUMERIC_FIELDS, *garmin._DURATION_FIELDS, "avg_speed"} <= set(fields)
    owner: dict[str, set[str]] = collections.defaultdict(set)
    for field, entry in fields.items():
        names = _seen_best_known(entry)
        assert names, field
        for name in names:
            assert garmin._norm(name), name
            owner[garmin._norm(name)].add(field)
    assert not {k: v for k, v in owner.items() if len(v) > 1}
    assert len(fields["activity_type"]["seen"]) >= 15  # the provenance: seen in 16 languages' exports


def test_garmin_run_types_map_to_run_sports_only():
    sports = garmin.locale_tables()["run_type_aliases"]["sports"]
    assert set(sports) <= set(schema.RUN_SPORTS)
    owner: dict[str, set[str]] = collections.defaultdict(set)
    for sport, entry in sports.items():
        for name in _seen_best_known(entry):
            owner[garmin._norm(name)].add(sport)
    assert not {k: v for k, v in owner.items() if len(v) > 1}
    assert "Laufbandtraining" in sports["treadmill_running"]["seen"]  # philipppro_de, ../shared/data


def test_garmin_known_header_rows_start_with_type_and_date():
    rows = garmin.locale_tables()["known_header_rows"]["languages"]
    assert {"en", "de", "fr", "es", "da", "ja"} <= set(rows)
    type_keys = {garmin._norm(h) for h in garmin.HEADER_ALIASES["activity_type"]}
    date_keys = {garmin._norm(h) for h in garmin.HEADER_ALIASES["date"]}
    for lang, row in rows.items():
        assert _strings(row) and len(row) >= 20, lang
        assert not any("," in name for name in row), lang  # rows are joined with commas
        assert garmin._norm(row[0]) in type_keys, lang  # sniff_csv's first test
        assert any(garmin._norm(h) in date_keys for h in row[1:3]), lang


def test_garmin_run_stems_never_fold_to_nothing():
    stems = garmin.locale_tables()["run_stems"]
    for key in ("run", "not_run"):
        assert _strings(stems[key]) and stems[key], key
        assert all(garmin._norm(s) for s in stems[key]), key  # an empty stem would match every type


def test_garmin_module_tables_are_the_file():
    tables = garmin.locale_tables()
    headers = {k: (*v["seen"], *v["best_known"]) for k, v in tables["header_aliases"]["fields"].items()}
    sports = {k: (*v["seen"], *v["best_known"]) for k, v in tables["run_type_aliases"]["sports"].items()}
    rows = tuple(",".join(r) for r in tables["known_header_rows"]["languages"].values())
    stems = tables["run_stems"]
    assert headers == garmin.HEADER_ALIASES
    assert sports == garmin.RUN_TYPE_ALIASES
    assert rows == garmin.KNOWN_HEADER_ROWS
    assert (tuple(stems["run"]), tuple(stems["not_run"])) == (io_sports._RUN_STEMS, io_sports._NOT_RUN_STEMS)
