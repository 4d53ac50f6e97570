"""The offers map of the listing: an SVG of offers per district, drawn at build time (no tiles, no calls)."""
import math
from collections import Counter

from housing.publishing.pages import Escaped, html_text


def map_svg(offers, districts, lang):
    """An SVG of offers per district, placed at each district's centroid (``districts``: the exported
    registry). An offer whose district has no centroid stays in the listing, off the map, and a
    note says how many there are."""
    counts = Counter(offer["district"] for offer in offers)
    placed = {d["name"]: d for d in districts if d.get("lat") is not None and d.get("lon") is not None}
    known = [placed[name] for name in counts if name in placed]
    unplaced = sum(n for name, n in counts.items() if name not in placed)
    note = ""
    if unplaced:
        note = (f"{unplaced} offerte in quartieri senza posizione sulla mappa: sono nell'elenco." if lang == "it" else
                f"{unplaced} offers in districts without a position on the map: they are in the list.")
    if not known:
        return Escaped(f'<p class="hf-map-note">{note}</p>') if note else ""
    outlines = {d["name"]: d["outline"] for d in placed.values() if isinstance(d.get("outline"), list)}
    points = [(d["lat"], d["lon"]) for d in placed.values()] + [tuple(p) for o in outlines.values() for p in o]
    lats, lons = [p[0] for p in points], [p[1] for p in points]
    width, height, pad = 640, 520, 40
    scale_x = (width - 2 * pad) / ((max(lons) - min(lons)) or 1)
    scale_y = (height - 2 * pad) / ((max(lats) - min(lats)) or 1)

    def xy(lat, lon):
        return pad + (lon - min(lons)) * scale_x, pad + (max(lats) - lat) * scale_y

    title = "Offerte per quartiere" if lang == "it" else "Offers by district"
    parts = [f'<figure class="hf-map"><svg viewBox="0 0 {width} {height}" role="img" aria-labelledby="hf-map-title">',
             f'<title id="hf-map-title">{title}</title>']
    for name in sorted(outlines):
        corners = " ".join("{:.0f},{:.0f}".format(*xy(lat, lon)) for lat, lon in outlines[name])
        parts.append(f'<polygon class="hf-district" points="{corners}"/>')
    for d in sorted(known, key=lambda d: (-counts[d["name"]], d["name"])):
        x, y = xy(d["lat"], d["lon"])
        n = counts[d["name"]]
        radius = 5 + 4 * math.sqrt(n)
        name = html_text(d["name"])
        parts.append(f'<g><title>{name}: {n}</title><circle cx="{x:.0f}" cy="{y:.0f}" r="{radius:.1f}"/>'
                     f'<text x="{x:.0f}" y="{y - radius - 3:.0f}">{name} ({n})</text></g>')
    parts.append("</svg>" + (f"<figcaption>{note}</figcaption>" if note else "") + "</figure>")
    return Escaped("".join(parts))
