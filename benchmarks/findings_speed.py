"""CPU time of the findings on the embedded sample, against the old calibrated hazard model in the same run.

    PYTHONPATH=. RUNLOG_CACHE_DIR=/tmp/cache python benchmarks/findings_speed.py [--repeat 3]

Prints the CPU seconds of :func:`analysis.findings.findings` (4 regions, flare-up sensitivity
variants included), split into flare-up detection (:func:`analysis.flareups.detect_flareups`, not
the statistics) and the rest; the same without the exploratory analyses; and, as the reference, the
old main path's per-region model alone (:func:`analysis.stats.hazard.fit_hazard`, 14 terms, with its
100-replicate bootstrap calibration) on the modelled regions, once, without the variants it was
also repeated for.
"""

from __future__ import annotations

import argparse
import time

from analysis import flareups


def _sample():
    from analysis.ingest.cache import Cache
    from analysis.pipeline import load_runs, read_side_files, sample_inputs

    inputs = sample_inputs()
    result, _ = load_runs(inputs, tz="Europe/Copenhagen", progress=False, cache=Cache(), samples=False)
    pain, drills = read_side_files(inputs)
    return result.runs, pain, drills


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    from analysis import findings as findings_mod
    from analysis import load
    from analysis.stats.design import hazard_frame
    from analysis.stats.hazard import fit_hazard

    runs, pain, drills = _sample()
    detect = flareups.detect_flareups
    spent = [0.0]

    def timed(*a, **k):
        t = time.process_time()
        try:
            return detect(*a, **k)
        finally:
            spent[0] += time.process_time() - t

    flareups.detect_flareups = timed
    try:
        for exploratory in (True, False):
            best = None
            for _ in range(args.repeat):
                spent[0] = 0.0
                t = time.process_time()
                f = findings_mod.findings(runs, pain, drills, exploratory=exploratory)
                total = time.process_time() - t
                if best is None or total < best[0]:
                    best = (total, spent[0])
            total, flare = best
            print(f"findings (exploratory={exploratory}): {total:.2f} s CPU = flare detection {flare:.2f} s "
                  f"+ statistics {total - flare:.2f} s")
            if exploratory:
                stats_cpu = total - flare
    finally:
        flareups.detect_flareups = detect
    modelled = [r for r, v in f["regions"].items() if v["sufficient"]]
    daily = load.daily_load(runs, grouping=None)
    dp = flareups.daily_pain(pain)
    rdays = flareups.region_days(dp, flareups.detect_flareups(dp))
    lags = load.lag_features(daily, runs, None)
    t = time.process_time()
    for region in modelled:
        fit_hazard(hazard_frame(rdays[rdays["region"] == region], lags))
    old = time.process_time() - t
    print(f"reference: old calibrated hazard model, {len(modelled)} regions, no variants: {old:.2f} s CPU")
    print(f"ratio, new statistics (all regions, variants, exploratory) / old main model alone: "
          f"{stats_cpu / old:.3f}")


if __name__ == "__main__":
    main()
