"""Priority of a household: ONE function of ETHOS, waiting, vulnerabilities and assessment.

The multidimensional assessment feeds it through ``assessment``: the need
index in [0, 1] of the household's most-in-need member
(``housing.accompaniment.assessments.need_indexes``), None until someone is
assessed. A single questionnaire score is never the only key: it is one part
of the need term, beside the ETHOS severity and the waiting time, and a case
conference can still override the order (``order_key``) with a recorded reason.

The formula is computed exactly, as an integer number of units (``_units``),
so that priorities equal by the formula are equal numbers and the vectorised
copy used for 50,000 households (``priority_array``) gives bit-for-bit the same
floats.
"""
from __future__ import annotations

import numpy as np

# Severity of each ETHOS (FEANTSA) category, in [0, 1]: the higher, the more
# urgent. Roofless > houseless > insecure > inadequate; inside a group the
# situations with violence, no roof at night or an imminent exit come first.
# This is policy, kept as data: edit it here (or pass through the assessment).
ETHOS_SEVERITY = {
    "roofless_1": 1.00,     # living rough
    "roofless_2": 0.95,     # night shelter
    "houseless_4": 0.85,    # women's shelter (violence)
    "houseless_6": 0.80,    # due to leave an institution
    "houseless_3": 0.75,    # homeless hostel
    "houseless_5": 0.75,    # migrants' accommodation
    "houseless_7": 0.70,    # long-term support
    "insecure_10": 0.65,    # under threat of violence
    "insecure_9": 0.55,     # under eviction
    "insecure_8": 0.50,     # no legal tenancy
    "inadequate_11": 0.40,  # temporary structure
    "inadequate_13": 0.35,  # extreme overcrowding
    "inadequate_12": 0.30,  # unfit housing
}
UNKNOWN_SEVERITY = 0.0      # no ETHOS category recorded (yet)

# Weights of the terms (sum 1) and the points where a term saturates. The
# "vulnerabilities" term is the need term: recorded vulnerabilities, blended
# with the assessment's need index when there is one (ASSESSMENT_SHARE of it).
PRIORITY_WEIGHTS = {"ethos": 0.50, "waiting": 0.25, "vulnerabilities": 0.25}
ASSESSMENT_SHARE = 0.7
WAITING_FULL_DAYS = 730     # two years of waiting give the whole waiting term
VULNERABILITIES_FULL = 3    # three recorded vulnerabilities give the whole term


def severity(ethos_category: str | None) -> float:
    if ethos_category is None:
        return UNKNOWN_SEVERITY
    if ethos_category not in ETHOS_SEVERITY:
        raise ValueError(f"unknown ETHOS category {ethos_category!r}")
    return ETHOS_SEVERITY[ethos_category]


# Exact arithmetic: every term is a rational number with a denominator dividing
# UNITS_PER_POINT, so the priority is computed as an integer count of units and
# only then divided into a float. Two households whose priorities are equal by
# the formula (0.05 of severity is worth 73 days of waiting) get the same
# integer, hence the same float, and the stored random key decides between them,
# never the rounding of a float sum. Inputs are quantised first, as documented:
# severity to hundredths (the table above), the need index to millionths.
UNITS_PER_POINT = 87_600_000        # lcm of 2, 146, 3 and 400,000: see _units
NEED_INDEX_STEPS = 1_000_000


def _units(sev, waiting_days, vulnerabilities, assessment):
    """The priority x UNITS_PER_POINT, an exact integer (int64 arrays or scalars).

    priority = S/2 + 5 w/146 + need, with S the severity in hundredths, w the
    waiting days (at most 730) and need = 25 v/3 for v vulnerabilities (at most
    3) or, with an assessment index A in millionths, 5 v/2 + 7 A/400,000: the
    weights 50/25/25 and the 0.7 assessment share written as fractions.
    """
    severity_hundredths = np.rint(np.asarray(sev, dtype=float) * 100).astype(np.int64)
    waiting = np.minimum(np.maximum(np.asarray(waiting_days, dtype=np.int64), 0), WAITING_FULL_DAYS)
    need = np.minimum(np.maximum(np.asarray(vulnerabilities, dtype=np.int64), 0), VULNERABILITIES_FULL)
    units = severity_hundredths * 43_800_000 + waiting * 3_000_000
    plain = need * 730_000_000
    if assessment is None:
        return units + plain
    index = np.asarray(assessment, dtype=float)
    steps = np.rint(np.clip(np.nan_to_num(index, nan=0.0), 0.0, 1.0) * NEED_INDEX_STEPS).astype(np.int64)
    blended = need * 219_000_000 + steps * 1533
    # NaN in an array marks "not assessed": that household keeps the plain term
    return units + np.where(np.isnan(index), plain, blended)


def _formula(sev, waiting_days, vulnerabilities, assessment):
    """Works on scalars and on NumPy arrays alike (same integers, same floats)."""
    return _units(sev, waiting_days, vulnerabilities, assessment) / UNITS_PER_POINT


def priority(ethos_category: str | None, waiting_days: int, vulnerabilities: int,
             assessment: float | None = None) -> float:
    """Priority in [0, 100], non-decreasing in severity, waiting days and vulnerabilities.

    ``assessment``: the need index in [0, 1] from the multidimensional
    assessment (None until it exists).
    """
    return float(_formula(severity(ethos_category), int(waiting_days), int(vulnerabilities), assessment))


def priority_array(severities, waiting_days, vulnerabilities, assessment=None):
    """``priority`` over arrays (severity already looked up with ``severity``)."""
    return _formula(np.asarray(severities, dtype=float), np.asarray(waiting_days, dtype=np.int64),
                    np.asarray(vulnerabilities, dtype=np.int64), assessment)


def order_key(household, priority_value: float):
    """Ranking key, smallest first: case-conference rank, then priority, then the random key.

    The id only separates two households whose stored random keys are equal,
    which the adapters must prevent; it never decides a real tie.
    """
    rank = household.case_conference_rank
    return (0 if rank is not None else 1, rank if rank is not None else 0,
            -priority_value, household.tie_break_key, household.id)


EXPLANATION = {
    "it": {"priority": "priorità {value}/100:", "ethos": "ETHOS {category} (gravità {severity})",
           "unknown": "non registrata", "waiting": "{days} giorni di attesa", "vulnerable": "{count} fragilità",
           "assessed": "valutazione multidimensionale: bisogno {need}",
           "not_assessed": "valutazione multidimensionale: non ancora fatta",
           "rank": "; posizione {rank} decisa dal case conference (prevale sul punteggio)"},
    "en": {"priority": "priority {value}/100:", "ethos": "ETHOS {category} (severity {severity})",
           "unknown": "not recorded", "waiting": "{days} days waiting", "vulnerable": "{count} vulnerabilities",
           "assessed": "multidimensional assessment: need {need}",
           "not_assessed": "multidimensional assessment: not done yet",
           "rank": "; position {rank} set by the case conference (overrides the score)"},
}


def explain(ethos_category, waiting_days, vulnerabilities, value, case_conference_rank=None, assessment=None,
            lang="it") -> str:
    """The priority in words, for staff, with the ETHOS category's label (never its key)."""
    from housing import vocabulary

    words = EXPLANATION[lang]
    decimal = "," if lang == "it" else "."

    def figure(x, digits):
        return f"{x:.{digits}f}".replace(".", decimal)

    category = (vocabulary.label(vocabulary.ETHOS_CATEGORIES, ethos_category, lang) if ethos_category
                else words["unknown"])
    parts = [words["ethos"].format(category=category, severity=figure(severity(ethos_category), 2)),
             words["waiting"].format(days=waiting_days), words["vulnerable"].format(count=vulnerabilities),
             words["assessed"].format(need=figure(assessment, 2)) if assessment is not None else words["not_assessed"]]
    text = words["priority"].format(value=figure(value, 1)) + " " + ", ".join(parts)
    if case_conference_rank is not None:
        text += words["rank"].format(rank=case_conference_rank)
    return text
