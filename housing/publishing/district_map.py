"""The offers map of the listing: the city's district outlines drawn as SVG at build time (issue 16).

The outlines are editorial data beside the district registry: ``content/districts.geojson``, a
simplified GeoJSON FeatureCollection (one feature per district, matched to the registry by name),
checked against ``content/schemas/districts_geojson.schema.yaml`` and then point by point, with an
error that names the feature. No tiles and no request to another host: the map is plain SVG.

Each district with offers is a link to the listing filtered on it (``?district=...``), so it is
focusable and named ("Centro: 12 offerte"); ``assets/district_map.js`` recounts the offers per district
as the listing's filters change and announces the total in a live region. A list of the same counts
follows the map (its text alternative, and the only place of the districts without an outline).
"""
import html
import json
import math
import pathlib
from collections import Counter
from urllib.parse import quote

from housing import vocabulary
from housing.publishing import schemas
from housing.publishing.pages import CONTENT_DIR, Escaped, html_text

OUTLINES = CONTENT_DIR / "districts.geojson"
WIDTH, HEIGHT, PAD = 640, 560, 12
TEXT = {
    "it": {"title": "Mappa delle offerte per quartiere", "offers": ("offerta", "offerte"),
           "list": "Offerte per quartiere (elenco)", "none": "Nessuna offerta pubblicata.",
           "off_map": "quartiere senza posizione sulla mappa"},
    "en": {"title": "Map of offers by district", "offers": ("offer", "offers"),
           "list": "Offers by district (list)", "none": "No published offers.",
           "off_map": "district without a position on the map"},
}


class OutlineError(schemas.SchemaError):
    """content/districts.geojson is not valid; the message names the feature."""


def load_outlines(path=OUTLINES):
    """{district name: [ring, ...]} with rings of (lon, lat), from the GeoJSON at ``path``, checked."""
    path = pathlib.Path(path)
    shown = path.name if path.parent == CONTENT_DIR else str(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except ValueError as error:
        raise OutlineError(f"{shown}: not valid JSON ({error})") from None
    try:
        schemas.validate("districts_geojson", data, source=shown)
    except schemas.SchemaError as error:
        raise OutlineError(_named(str(error), data)) from None
    outlines = {}
    for number, feature in enumerate(data["features"]):
        name = feature["properties"]["name"]
        where = f"{shown}, feature {number} ({name})"
        if name in outlines:
            raise OutlineError(f"{where}: a second feature with this name")
        geometry = feature["geometry"]
        polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        outlines[name] = [_ring(ring, f"{where}, polygon {p}, ring {r}")
                          for p, polygon in enumerate(polygons) for r, ring in enumerate(_list(polygon, where))]
    return outlines


def _list(value, where):
    if not isinstance(value, list) or not value:
        raise OutlineError(f"{where}: a polygon must be a non-empty list of rings")
    return value


def _ring(ring, where):
    if not isinstance(ring, list) or len(ring) < 4:
        raise OutlineError(f"{where}: a ring needs at least 4 positions (the last one repeating the first)")
    points = []
    for k, point in enumerate(ring):
        if (not isinstance(point, list) or len(point) != 2
                or not all(isinstance(n, (int, float)) and not isinstance(n, bool) for n in point)):
            raise OutlineError(f"{where}, position {k}: not a [longitude, latitude] pair of numbers")
        lon, lat = point
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise OutlineError(f"{where}, position {k}: [{lon}, {lat}] is not a longitude and a latitude "
                               "(GeoJSON puts the longitude first)")
        points.append((float(lon), float(lat)))
    if points[0] != points[-1]:
        raise OutlineError(f"{where}: the ring is not closed (its last position must repeat the first)")
    return points


def _named(message, data):
    """A schema message ('districts.geojson, features/3/geometry: ...') with the feature's name added."""
    marker = ", features/"
    if marker in message:
        head, _, rest = message.partition(marker)
        number = rest.split("/", 1)[0].split(":", 1)[0]
        try:
            feature = data["features"][int(number)]
        except (LookupError, TypeError, ValueError):
            return message
        try:
            name = feature["properties"]["name"]
        except (LookupError, TypeError):
            name = "no name"
        return f"{head}, feature {number} ({name}), {marker[2:]}{rest}"
    return message


def counts_by_district(offers):
    return Counter(offer["district"] for offer in offers)


def map_html(offers, districts, lang, outlines=None):
    """The map (SVG), its live region and its list alternative, for the listing of ``lang``."""
    t = TEXT[lang]
    outlines = dict(load_outlines() if outlines is None else outlines)
    for district in districts:  # an outline drawn in the back office ([lat, lon] points) for a district the file lacks
        points = district.get("outline")
        if isinstance(points, list) and len(points) >= 3 and district["name"] not in outlines:
            ring = [(lon, lat) for lat, lon in points]
            outlines[district["name"]] = [ring + ring[:1] if ring[0] != ring[-1] else ring]
    counts = counts_by_district(offers)
    folded = {vocabulary.fold(name): name for name in outlines}
    drawn = {}  # registry or offer name -> outline name
    for name in set(counts) | {d["name"] for d in districts}:
        found = name if name in outlines else folded.get(vocabulary.fold(name))
        if found:
            drawn[name] = found
    # A registry district with a centroid and no outline: a marker there (never a home's own position).
    markers = {d["name"]: (d["lon"], d["lat"]) for d in districts
               if d["name"] not in drawn and d.get("lat") is not None and d.get("lon") is not None}
    drawn.update({name: name for name in markers})
    parts = [f'<figure class="hf-map" id="hf-map" data-lang="{lang}">']
    if outlines or markers:
        parts.append(_svg(outlines, markers, drawn, counts, lang))
    parts.append(f'<figcaption><p id="hf-map-status" class="hf-map-status" role="status" aria-live="polite">'
                 f'{html_text(summary(counts, lang))}</p></figcaption></figure>')
    parts.append(f'<details class="hf-map-list"><summary>{t["list"]}</summary><ul id="hf-map-list">')
    for name in sorted(counts, key=lambda n: (-counts[n], n)):
        note = "" if name in drawn else f' <span class="hf-map-note">({t["off_map"]})</span>'
        parts.append(f'<li data-district="{attribute(name)}"><a href="?district={quote(name)}#hf-offers">'
                     f'{html_text(name)}</a>: <span class="hf-map-count">{counts[name]}</span>{note}</li>')
    if not counts:
        parts.append(f"<li>{t['none']}</li>")
    parts.append("</ul></details>")
    return Escaped("".join(parts))


def attribute(text):
    """Text inside a quoted HTML attribute: quotes escaped, and "=" too, so that no text can even look
    like an attribute to a scanner (the release's and the tests' checks read tags with patterns)."""
    return html.escape(str(text), quote=True).replace("=", "&#61;")


def summary(counts, lang):
    total, places = sum(counts.values()), sum(1 for n in counts.values() if n)
    one, many = TEXT[lang]["offers"]
    where = ("quartiere" if places == 1 else "quartieri") if lang == "it" else ("district" if places == 1 else "districts")
    return f"{total} {one if total == 1 else many} in {places} {where}"


def _svg(outlines, markers, drawn, counts, lang):
    t = TEXT[lang]
    points = [p for rings in outlines.values() for ring in rings for p in ring] + list(markers.values())
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    mid = (min(lats) + max(lats)) / 2
    squeeze = math.cos(math.radians(mid))  # degrees of longitude are shorter than degrees of latitude
    span_x, span_y = (max(lons) - min(lons)) * squeeze or 1, (max(lats) - min(lats)) or 1
    scale = min((WIDTH - 2 * PAD) / span_x, (HEIGHT - 2 * PAD) / span_y)

    def xy(lon, lat):
        return PAD + (lon - min(lons)) * squeeze * scale, PAD + (max(lats) - lat) * scale

    by_outline = Counter()
    for name, n in counts.items():
        if name in drawn:
            by_outline[drawn[name]] += n
    top = max(by_outline.values(), default=0)
    parts = [f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" role="group" aria-labelledby="hf-map-title" focusable="false">'
             f'<title id="hf-map-title">{t["title"]}</title>']
    labels = []
    for name in sorted(outlines) + sorted(markers):
        n = by_outline[name]
        shade = 0 if not n else 1 + min(3, int(4 * n / (top + 1)))
        one, many = t["offers"]
        label = f"{name}: {n} {one if n == 1 else many}"
        if name in outlines:
            path = " ".join("M" + " L".join("{:.1f} {:.1f}".format(*xy(*p)) for p in ring[:-1]) + " Z"
                            for ring in outlines[name])
            shape = f'<path class="hf-district hf-shade-{shade}" d="{path}"/>'
            cx, cy = _centre(outlines[name][0], xy)
        else:
            cx, cy = xy(*markers[name])
            shape = f'<circle class="hf-district hf-shade-{shade}" cx="{cx:.1f}" cy="{cy:.1f}" r="11"/>'
        labels.append(f'<text class="hf-map-count" data-district="{attribute(name)}" x="{cx:.0f}" y="{cy + 4:.0f}" '
                      f'aria-hidden="true">{n or ""}</text>')
        parts.append(f'<a href="?district={quote(name)}#hf-offers" data-district="{attribute(name)}" '
                     f'aria-label="{attribute(label)}"><title>{html_text(label)}</title>{shape}</a>')
    parts += labels  # above every outline, and never the focus target
    parts.append("</svg>")
    return "".join(parts)


def _centre(ring, xy):
    """The centroid of a ring's area (the mean of its corners when the area is nil), in SVG units."""
    corners = [xy(*p) for p in ring]
    area = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(corners, corners[1:]):
        cross = x0 * y1 - x1 * y0
        area += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    if abs(area) < 1e-9:
        return sum(x for x, _ in corners) / len(corners), sum(y for _, y in corners) / len(corners)
    return cx / (3 * area), cy / (3 * area)
