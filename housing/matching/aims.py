"""Stage 2 of the batch: the office's aims once the housed set is fixed.

Stage 1 (``batch``) fixes who is housed (highest priority first). Among the
assignments that house exactly those households, stage 2 chooses by the office's
aims, compared one after the other (lexicographically: a later aim only breaks
the ties of the earlier ones). They are data (``DEFAULT_AIMS``; a caller may
pass another order or drop one), with these defaults:

1. ``choice`` -- the household's own choice first. A household may rank up to 9
   districts or offers it prefers (``HouseholdPreference``, 1 = first choice;
   an offer named in the ranking counts before its district). A pair costs
   its rank - 1; an offer outside a ranking costs ``UNRANKED`` (10); a
   household that ranks nothing is indifferent (0 for every offer). The sum is
   minimised: the ranking is honoured wherever it can be.
2. ``worst_burden`` -- then the lowest rent burden for the worst-off household:
   the burden is what the household pays (rent + charges - the contribution a
   fund pays) over its net income, in basis points (a zero income pays 0). The
   largest burden of the assignment is minimised (min-max: a bottleneck found
   by bisection over the burden levels, each level tested by an exact
   assignment that keeps the best choice total), then, among those, the sum of
   the burdens (so that the next-worst are not made worse for nothing).
3. ``contribution`` -- then the monthly contributions the funds pay, summed:
   cheaper placements leave budget for more people.
4. ``size`` -- then the size fit: the extra rooms beyond the household's
   minimum, summed.

Exactness: the four aims are folded into one integer cost per pair with
weights so that each aim outweighs the whole range of the next ones over the
housed households; costs stay below 2**53 so that SciPy's float assignment is
exact. When an instance would pass that bound, the burden is compared in whole
tenths of a percent and then percents, and the contributions in tens of euros
(``units`` in the report says which; at the demo's and the 1k benchmark's sizes
the default units hold).

When the funds' budgets bind (``objective["budget_bound"]``), ``budget``'s
staged method fixes the housed set and ``budget_aims`` applies these aims
within the budgets: this module's assignment when the funds can pay it, else
one MILP per aim in the same order and units (exact up to ``MAX_ROWS`` housed
households and ``budget_aims.MAX_VARS`` variables; above, the score's fit,
labelled). The report compares the aims' figures with the greedy baseline
either way.

``compare`` reports, per aim, the proposal's figure beside the greedy
baseline's. No Flask and no database.
"""
from __future__ import annotations

import numpy as np

AIMS = ("choice", "worst_burden", "contribution", "size")
DEFAULT_AIMS = AIMS
UNRANKED = 10
EXACT = 2 ** 53
# Above this many housed households the aims give way to the score's fit (``batch._lexicographic``):
# their folded costs span up to 2**53 and one assignment over them took 15 s at 10,000 x 10,000
# (the fit's small integers: 3 s), the worst-off burden's bisection several more. The report says so.
MAX_ROWS = 2000


def preference_rank(h, offer) -> int:
    """0 for the first choice, ...; ``UNRANKED`` outside the ranking; 0 when the household ranks nothing."""
    if not h.preferences:
        return 0
    for position, (kind, value) in enumerate(h.preferences):
        if kind == "offer" and value == offer.id:
            return position
    for position, (kind, value) in enumerate(h.preferences):
        if kind == "district" and value == offer.district:
            return position
    return UNRANKED


def pair_values(graph) -> dict:
    """Per pair (pair id order): {"choice", "burden" (basis points), "contribution" (cents), "size"}."""
    cols = graph.edge_cols()
    rows = graph.col_rows.astype(np.int64)
    table, offers = graph.table, graph.offers
    from .cases import cost_cents

    cost = np.array([cost_cents(o) for o in offers], dtype=np.int64)[cols]
    need = graph.need if graph.need is not None else np.zeros(len(rows), dtype=np.int64)
    pays = cost - need
    income = table.income_cents[rows]
    burden = np.where(income > 0, (pays * 10000 + np.maximum(income, 1) - 1) // np.maximum(income, 1), 0)
    burden = np.where((income == 0) & (pays > 0), 10000 * 100, burden)   # cannot happen for an eligible pair
    rooms = np.array([o.rooms for o in offers], dtype=np.int64)[cols]
    size = np.maximum(0, rooms - table.min_rooms[rows])
    choice = np.zeros(len(rows), dtype=np.int64)
    ranked = [r for r, h in enumerate(table.households) if getattr(h, "preferences", ())]
    for r in ranked:
        h = table.households[r]
        a, b = graph.row_ptr[r], graph.row_ptr[r + 1]
        for col, edge in zip(graph.row_cols[a:b].tolist(), graph.row_edge[a:b].tolist()):
            choice[edge] = preference_rank(h, offers[col])
    return {"choice": choice, "burden": burden, "contribution": need.astype(np.int64), "size": size}


def _row_reduce(values, graph, ufunc=np.maximum):
    """Per household row, ``ufunc`` over the values of its pairs (0 for a row without pairs)."""
    out = np.zeros(graph.n, dtype=np.int64)
    if len(values) == 0:
        return out
    ordered = values[graph.row_edge]
    starts = graph.row_ptr[:-1]
    has = np.diff(graph.row_ptr) > 0
    out[has] = ufunc.reduceat(ordered, starts[has])
    return out


def _terms(values, aims, units, over=None, over_first=False):
    """The integer terms, most important first."""
    terms = [over.astype(np.int64)] if over_first else []
    for aim in aims:
        if aim == "choice":
            terms.append(values["choice"])
        elif aim == "worst_burden":
            if over is not None and not over_first:
                terms.append(over.astype(np.int64))
            terms.append(-(-values["burden"] // units["burden"]))
        elif aim == "contribution":
            terms.append(-(-values["contribution"] // units["contribution"]))
        elif aim == "size":
            terms.append(values["size"])
        else:
            raise ValueError(f"unknown aim {aim!r}; known: {', '.join(AIMS)}")
    return terms


UNITS = ({"burden": 1, "contribution": 1}, {"burden": 10, "contribution": 1000},
         {"burden": 100, "contribution": 1000}, {"burden": 100, "contribution": 10000})


class FoldTooLarge(ValueError):
    """The aims' terms cannot be combined into one exact integer cost (below 2**53) at this size."""


def fold(values: dict, aims, chosen, graph, over=None, over_first=False, units=None):
    """One integer cost per pair (>= 1), lexicographic in its terms, and the units used.

    Each term is weighted by 1 + the largest sum the lower terms can reach over
    the ``chosen`` households (one pair each), so one unit of a term outweighs
    any change of the lower ones; the largest total stays below 2**53.
    """
    keep = np.zeros(graph.n, dtype=bool)
    keep[chosen] = True
    for candidate in ([units] if units else UNITS):
        combined = np.zeros(graph.pairs, dtype=np.int64)
        ok = True
        for term in reversed(_terms(values, aims, candidate, over, over_first)):
            reach = int(_row_reduce(combined, graph)[keep].sum()) + 1
            if reach * (int(term.max(initial=0)) + 1) * max(1, int(keep.sum())) >= EXACT:
                ok = False
                break
            combined = term * reach + combined
        if ok and int(_row_reduce(combined, graph)[keep].sum()) + len(chosen) < EXACT:
            return combined + 1, candidate
    raise FoldTooLarge("the aims cannot be folded exactly at this size")


def _total(graph, held, rows, cost):
    return int(sum(int(cost[e]) for e in _edges(graph, held, rows)))


def _edges(graph, held, rows):
    out = []
    for r in rows.tolist():
        a, b = graph.row_ptr[r], graph.row_ptr[r + 1]
        k = int(np.searchsorted(graph.row_cols[a:b], held[r]))
        out.append(int(graph.row_edge[a + k]))
    return np.array(out, dtype=np.int64)


def stage2(graph, chosen, first, solve, aims=DEFAULT_AIMS, values=None):
    """The offer column of each ``chosen`` row, best by the aims; and a report.

    ``solve(cost, first)``: an exact min-cost assignment of the ``chosen`` rows, each
    housed (``batch._solve``). ``first``: a feasible column per row (stage 1's).

    When the aims cannot be folded into one exact cost (many thousands of housed
    households), the last aims are left out, one at a time, until they can: the
    report names them (``aims_left_out``), and the proposal is exact for the others.
    """
    values = values if values is not None else pair_values(graph)
    aims, left_out = tuple(aims), []
    while True:
        try:
            column, info = _stage2(graph, chosen, first, solve, aims, values)
        except FoldTooLarge:
            if not aims:
                raise
            left_out.insert(0, aims[-1])
            aims = aims[:-1]
            continue
        info["aims_left_out"] = left_out
        return column, info


def _stage2(graph, chosen, first, solve, aims, values):
    n = graph.n
    cost, units = fold(values, aims, chosen, graph)
    info = {"aims": list(aims), "units": units, "bottleneck_solves": 0}
    if "worst_burden" not in aims or len(chosen) == 0:
        return solve(cost.astype(np.float64), first), info
    burden = values["burden"] // units["burden"] if units["burden"] > 1 else values["burden"]
    # no assignment can do better than the worst of the rows' own best burdens
    lower = int(_row_reduce(burden, graph, np.minimum)[chosen].max())
    info["worst_burden_bound"] = lower
    prefix = aims[:aims.index("worst_burden")]
    target = None
    if prefix:                               # the earlier aims' optimum, which every level must keep
        prefix_cost, _ = fold(values, prefix, chosen, graph, units=units)
        held = np.full(n, -1, dtype=np.int64)
        held[chosen] = solve(prefix_cost.astype(np.float64), first)
        target = _total(graph, held, chosen, prefix_cost)

    def feasible(level):
        over = burden > level
        test, _ = fold(values, prefix, chosen, graph, over=over, over_first=True, units=units)
        trial = np.full(n, -1, dtype=np.int64)
        trial[chosen] = solve(test.astype(np.float64), first)
        info["bottleneck_solves"] += 1
        return not over[_edges(graph, trial, chosen)].any() and (
            target is None or _total(graph, trial, chosen, test) == target)

    # the smallest level that keeps the earlier aims' optimum: the bound first (the usual
    # answer), then bisection; the largest level always qualifies (nothing is over it)
    levels = np.unique(burden[burden >= lower])
    best = int(levels[-1])
    if len(levels) > 1 and feasible(int(levels[0])):
        best = int(levels[0])
    elif len(levels) > 2:
        lo, hi = 1, len(levels) - 2
        while lo <= hi:
            mid = (lo + hi) // 2
            if feasible(int(levels[mid])):
                best, hi = int(levels[mid]), mid - 1
            else:
                lo = mid + 1
    info["worst_burden"] = best
    cost, _ = fold(values, aims, chosen, graph, over=burden > best, units=units)
    return solve(cost.astype(np.float64), first), info


def assignment_values(graph, held, values) -> dict:
    """The aims' figures of an assignment (``held``: offer column per household row or -1)."""
    rows = np.flatnonzero(held >= 0)
    edges = _edges(graph, held, rows)
    ranked = np.array([bool(getattr(graph.table.households[r], "preferences", ())) for r in rows.tolist()], dtype=bool)
    choice = values["choice"][edges] if len(edges) else np.zeros(0, dtype=np.int64)
    burden = np.sort(values["burden"][edges])[::-1] if len(edges) else np.zeros(0, dtype=np.int64)
    return {
        "housed": int(len(rows)),
        "ranked_households": int(ranked.sum()),
        "first_choice": int(((choice == 0) & ranked).sum()),
        "in_ranking": int(((choice < UNRANKED) & ranked).sum()),
        "choice_total": int(choice[ranked].sum()),
        "worst_burden": int(burden[0]) if len(burden) else 0,            # basis points
        "burden_total": int(burden.sum()),
        "burdens": [int(x) for x in burden[:5]],                        # the five worst, for the leximin reading
        "contribution": int(values["contribution"][edges].sum()) if len(edges) else 0,   # cents a month
        "extra_rooms": int(values["size"][edges].sum()) if len(edges) else 0,
    }


def report(graph, held, baseline_held, aims=DEFAULT_AIMS) -> dict:
    """Per aim, the proposal's figures against the greedy baseline's: {"proposal", "greedy", "comparison"}."""
    values = pair_values(graph)
    mine, theirs = assignment_values(graph, held, values), assignment_values(graph, baseline_held, values)
    return {"proposal": mine, "greedy": theirs, "comparison": compare(mine, theirs, aims)}


# for each figure: which way is better ("more" or "less")
BETTER = {"first_choice": "more", "in_ranking": "more", "choice_total": "less", "worst_burden": "less",
          "burden_total": "less", "contribution": "less", "extra_rooms": "less"}
AIM_FIGURES = {"choice": ("first_choice", "in_ranking", "choice_total"),
               "worst_burden": ("worst_burden", "burden_total"),
               "contribution": ("contribution",), "size": ("extra_rooms",)}


def compare(proposal: dict, baseline: dict, aims=DEFAULT_AIMS) -> list:
    """[{"aim", "figure", "proposal", "greedy", "verdict" ("better"/"same"/"worse")}] in the aims' order.

    The two assignments may house different households (the greedy baseline
    houses fewer, or others): the figures are over each one's own housed households.
    """
    out = []
    for aim in aims:
        for figure in AIM_FIGURES[aim]:
            a, b = proposal[figure], baseline[figure]
            better = a > b if BETTER[figure] == "more" else a < b
            out.append({"aim": aim, "figure": figure, "proposal": a, "greedy": b,
                        "verdict": "same" if a == b else ("better" if better else "worse")})
    return out


LABELS = {
    "it": {"first_choice": "Nuclei nella prima scelta", "in_ranking": "Nuclei in una scelta indicata",
           "choice_total": "Somma delle posizioni nelle scelte (minore è meglio)",
           "worst_burden": "Incidenza più alta del canone sul reddito",
           "burden_total": "Somma delle incidenze", "contribution": "Contributi dei fondi al mese",
           "extra_rooms": "Locali in più del necessario",
           "better": "meglio", "same": "uguale", "worse": "peggio"},
    "en": {"first_choice": "Households in their first choice", "in_ranking": "Households in a ranked choice",
           "choice_total": "Sum of the positions in the rankings (lower is better)",
           "worst_burden": "Highest rent burden on income", "burden_total": "Sum of the burdens",
           "contribution": "Fund contributions a month", "extra_rooms": "Rooms beyond the need",
           "better": "better", "same": "same", "worse": "worse"},
}


def figure_text(figure: str, value: int, lang: str = "it") -> str:
    from .cases import eur, number

    if figure in ("worst_burden", "burden_total"):
        return number(value / 100, 2, lang) + "%"
    if figure == "contribution":
        return eur(value, lang)
    return str(value)


def rows_for_page(comparison: list, lang: str = "it") -> list:
    """(label, proposal text, greedy text, verdict label, verdict key) for the batch page."""
    words = LABELS["en" if lang == "en" else "it"]
    return [(words[c["figure"]], figure_text(c["figure"], c["proposal"], lang),
             figure_text(c["figure"], c["greedy"], lang), words[c["verdict"]], c["verdict"]) for c in comparison]
