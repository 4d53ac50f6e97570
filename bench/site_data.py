"""Cost of the district map and the open data files at 10,000 offers (issue 16).

Prints the seconds of each, against the listing's JSON index written in the same process
(the baseline: a step every publication already pays), and the load average.
Run: .venv/bin/python bench/site_data.py
"""
import json
import os
import pathlib
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from housing import districts  # noqa: E402
from housing.publishing import district_map, open_data, pages  # noqa: E402

N = 10_000


def offers():
    names = [d["name"] for d in districts.seed_entries()]
    for i in range(N):
        yield {"ref": f"O{i:05d}", "district": names[i % len(names)], "zone": "Z1", "zone_name": "Centro",
               "street": "Via Etnea", "area_m2": 60, "rooms": 1 + i % 5, "bedrooms": 1, "bathrooms": 1, "floor": 1,
               "lift": True, "step_free": False, "energy_class": "C", "furnished": False,
               "contract_type": "concordato_3_2", "monthly_rent": 400.0 + i % 300, "service_charges": 30.0,
               "available_from": "2026-12-01", "min_duration_months": 36, "max_duration_months": 60,
               "description": "Alloggio luminoso.", "landlord": None, "published_on": "2026-11-20"}


def timed(function):
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


def main():
    data = {"offers": list(offers()), "statistics": {"small_cell": 5, "size_bands": ["1", "2", "3", "4+"],
                                                     "supply": [], "demand": [], "supply_total": N, "demand_total": 0}}
    with tempfile.TemporaryDirectory() as folder:
        docs = pathlib.Path(folder)
        baseline = timed(lambda: (docs / "offers.json").write_text(
            json.dumps(pages.offer_index(data["offers"], "it", []), ensure_ascii=False), encoding="utf-8"))
        figures = {
            "district map (both languages)": timed(lambda: [district_map.map_html(data["offers"], [], lang) for lang in ("it", "en")]),
            "open data files (4)": timed(lambda: open_data.write(data, docs, set())),
            "data dictionary pages (2)": timed(lambda: [open_data.dictionary_page(data, lang) for lang in ("it", "en")]),
        }
        sizes = {p.name: p.stat().st_size for p in (docs / "dati").iterdir()}
    print(f"{N} offers; baseline (listing index, it): {baseline:.3f} s")
    for name, seconds in figures.items():
        print(f"  {name}: {seconds:.3f} s ({seconds / baseline:.2f} x baseline)")
    print("  file sizes:", ", ".join(f"{k} {v / 1e6:.1f} MB" for k, v in sorted(sizes.items())))
    print("load average:", " ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
