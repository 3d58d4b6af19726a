"""Analysis-ready tables: Parquet and CSV, a data dictionary of every column, and a refit from DIR alone."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import optimize, stats

from analysis.cli import main
from analysis.stats.primary import fit_primary
from analysis.stats.primary_design import load_arrays, region_day_frame
from analysis.tables import TABLES, data_dictionary, tables, write_tables


@pytest.fixture(scope="module")
def written(sample_data, tmp_path_factory):
    folder = tmp_path_factory.mktemp("tables")
    return folder, write_tables(sample_data, folder)


def test_tables_are_written_as_parquet_and_csv_with_a_dictionary_of_every_column(written, sample_data):
    folder, paths = written
    names = set(paths) - {"data_dictionary"}
    assert set(TABLES) <= names
    fitted = [r for r, v in sample_data.findings["regions"].items() if v["model"]["parameters"]]
    assert fitted and {f"model_{r}" for r in fitted} <= names
    dictionary = pd.read_csv(folder / "data_dictionary.csv", keep_default_na=False)
    assert list(dictionary.columns) == ["table", "column", "unit", "description", "methods_section"]
    for name in names:
        parquet = pd.read_parquet(folder / f"{name}.parquet")
        csv = pd.read_csv(folder / f"{name}.csv")
        assert list(parquet.columns) == list(csv.columns) and len(parquet) == len(csv)
        described = dictionary[dictionary["table"] == name]
        assert list(described["column"]) == list(parquet.columns)
    assert (dictionary["description"].str.len() > 3).all()
    assert dictionary["methods_section"].str.fullmatch(r"METHODS\.md \d+").all()
    # a refit outside runlog needs the dates of the model table for the interval's 28-day blocks: the dictionary says so
    model_dates = dictionary[dictionary["table"].str.startswith("model_") & (dictionary["column"] == "date")]
    assert len(model_dates) and model_dates["description"].str.contains("28-day blocks").all()


def test_daily_table_agrees_with_the_findings(written, sample_data):
    folder, _ = written
    daily = pd.read_parquet(folder / "daily.parquet")
    f = sample_data.findings
    assert len(daily) == len(sample_data.daily) and daily["date"].is_monotonic_increasing
    assert daily["km"].sum() == pytest.approx(f["data"]["distance_km"], rel=1e-5)
    for region, res in f["regions"].items():
        assert int(daily[f"onset_{region}"].sum()) == res["onsets"]
    model = pd.read_parquet(folder / "model_achilles.parquet")
    m = f["regions"]["achilles"]["model"]
    assert len(model) == m["n_days"] and int(model["onset"].sum()) == m["n_events"]
    assert set(model.columns) == {"date", "onset", "const", "barefoot_share_7d", "km_7d", *m["adjustments"]}


def test_an_undescribed_column_is_refused():
    with pytest.raises(KeyError, match="mystery"):
        data_dictionary({"runs": pd.DataFrame({"mystery": [1]})})


def _firth_refit(d: pd.DataFrame, column: str) -> tuple[float, float, float]:
    """Firth-penalised logistic fit of ``onset`` on the model frame, refitted outside runlog.

    "statsmodels" here: the log-likelihood and the Hessian come from ``statsmodels.api.Logit``
    (no Firth option there), the penalty is Firth's 1/2 log det of the Fisher information
    (Firth 1993), the maximum is found with scipy (BFGS, Firth's modified score as gradient) and
    the 95 % interval is the profile penalised-likelihood interval (chi2(1) crossing, brentq).
    Nothing of runlog is used.
    """
    y = d["onset"].to_numpy(float)
    X = d.drop(columns=["date", "onset"]).to_numpy(float)
    model = sm.Logit(y, X)
    j = list(d.columns[2:]).index(column)

    def pen(b):
        return model.loglike(b) + 0.5 * np.linalg.slogdet(-model.hessian(b))[1]

    def score(b):
        p = model.predict(b)
        w = p * (1 - p)
        h = np.einsum("ij,jk,ik->i", X, np.linalg.inv(X.T @ (X * w[:, None])), X) * w
        return X.T @ (y - p + h * (0.5 - p))

    def fit(fixed=None, start=None):
        free = [i for i in range(X.shape[1]) if fixed is None or i != fixed[0]]

        def full(z):
            b = np.zeros(X.shape[1])
            b[free] = z
            if fixed is not None:
                b[fixed[0]] = fixed[1]
            return b

        z0 = np.zeros(len(free)) if start is None else start[free]
        r = optimize.minimize(lambda z: -pen(full(z)), z0, jac=lambda z: -score(full(z))[free],
                              method="BFGS", options={"gtol": 1e-10})
        return full(r.x), -r.fun

    b, top = fit()
    crit = stats.chi2.ppf(0.95, 1)

    def drop(t):
        return 2 * (top - fit((j, t), b)[1]) - crit

    lo = optimize.brentq(drop, b[j] - 5, b[j], xtol=1e-12)
    hi = optimize.brentq(drop, b[j], b[j] + 5, xtol=1e-12)
    return math.exp(b[j]), math.exp(lo), math.exp(hi)


def test_the_primary_footwear_estimand_refits_from_the_tables_alone(written, sample_data):
    folder, _ = written
    region = "achilles"
    d = pd.read_parquet(folder / f"model_{region}.parquet")
    est, lo, hi = _firth_refit(d, "barefoot_share_7d")
    # runlog's own, unrounded: the same fit_primary the findings call, on the same frames
    fr = sample_data.frames
    frame = region_day_frame(fr.region_days[fr.region_days["region"] == region], fr.pain_daily, region)
    frame = frame.loc[(frame.index >= fr.daily.index.min()) & (frame.index <= fr.daily.index.max())]
    row = fit_primary(frame, load_arrays(fr.history)).rows.set_index("estimand").loc["barefoot_share_7d"]
    assert est == pytest.approx(row["estimate"], abs=1e-6)
    assert lo == pytest.approx(row["ci_low"], abs=1e-6)
    assert hi == pytest.approx(row["ci_high"], abs=1e-6)
    # and the JSON's rounded numbers (6 significant digits)
    j = next(p for p in sample_data.findings["regions"][region]["primary"] if p["estimand"] == "barefoot_share_7d")
    assert est == pytest.approx(j["estimate"], rel=1e-5)
    assert [lo, hi] == pytest.approx(j["ci"], rel=1e-5)


def test_cli_report_tables_dir(tmp_path, capsys, monkeypatch, sample_data):
    import analysis.pipeline

    monkeypatch.setattr(analysis.pipeline, "run", lambda *a, **k: sample_data)  # the CLI's wiring only
    out = tmp_path / "tables"
    assert main(["report", "--no-progress", "--tz", "Europe/Copenhagen", "--no-pdf", "--tables", str(out)]) == 0
    assert (out / "data_dictionary.csv").is_file() and (out / "daily.parquet").is_file()
    assert str(out.resolve()) in capsys.readouterr().out


def test_tables_library_call_returns_frames(sample_data):
    named = tables(sample_data)
    assert named["runs"]["activity_id"].is_unique and len(named["runs"]) == sample_data.findings["data"]["runs"]


def test_the_readmes_five_lines_refit_the_estimate(written, sample_data, monkeypatch, capsys):
    import re
    from pathlib import Path

    folder, _ = written
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    snippet = next(b for b in re.findall(r"```python\n(.*?)```", readme, flags=re.S) if "model_achilles" in b)
    assert len(snippet.strip().splitlines()) == 5
    monkeypatch.chdir(folder.parent)
    if not (folder.parent / "tables").exists():  # the snippet reads tables/ from the current folder
        (folder.parent / "tables").symlink_to(folder)
    exec(compile(snippet, "README.md", "exec"), {})
    printed = float(capsys.readouterr().out.split()[-1])
    j = next(p for p in sample_data.findings["regions"]["achilles"]["primary"] if p["estimand"] == "barefoot_share_7d")
    assert printed == pytest.approx(j["estimate"], rel=1e-4)
