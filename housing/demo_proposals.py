"""Demo landlords' proposals (proposte dal sito "Offri il tuo alloggio"): a queue to review.

A separate random stream, so that adding them leaves the rest of the demo data as it was.
The proposals go through ``landlord_proposals.read_form`` like a real submission: the demo
cannot hold a proposal that the public form would refuse.
"""
from __future__ import annotations

import datetime
import random

from models import District, LandlordProposal

from housing import landlord_proposals

DAY = datetime.timedelta(days=1)

# (status, language, days ago, contact by e-mail, consent to notes): the queue a clerk finds on a Monday
QUEUE = (("new", "it", 1, True), ("new", "it", 2, False), ("new", "en", 3, True), ("new", "it", 6, True),
         ("contacted", "it", 9, True), ("contacted", "it", 15, False), ("rejected", "it", 24, True))
FIRST = ("Giuseppe", "Maria", "Salvatore", "Rosaria", "Antonino", "Carmela", "Sebastiano", "Agata")
LAST = ("Russo", "Privitera", "Scuderi", "Musumeci", "Pappalardo", "Grasso", "Leonardi", "Santangelo")
STREETS = ("Via Etnea", "Via Umberto I", "Viale Libertà", "Via Plebiscito", "Corso Italia")
NOTES = {"it": ("Disponibile a un contratto concordato 3+2.", "Appartamento ristrutturato, cucina arredata.",
                "Preferisco essere chiamato nel pomeriggio.", None),
         "en": ("Available from next month; I live abroad, e-mail is best.",)}


def seed(today, counts, scale=1.0, seed=2017):
    """Queue the demo proposals (about seven at scale 1, at least three); return them."""
    rng = random.Random(seed + 16)
    districts = list(District.select().where(District.active & ~District.to_review).order_by(District.id))
    if not districts:
        return []
    queue = QUEUE[:max(3, round(len(QUEUE) * min(scale, 1.0)))]
    made = []
    for i, (status, language, days_ago, by_email) in enumerate(queue):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        rooms = rng.choice((1, 2, 2, 3, 3, 4))
        area = rooms * rng.randint(18, 26) + rng.randint(10, 25)
        form = {"name": f"{first} {last}", "language": language, "district": rng.choice(districts).name,
                "area_m2": str(area), "rooms": str(rooms), "floor": str(rng.randint(0, 5)),
                "monthly_rent": f"{rng.randint(32, 65) * 10},00", "consent": "on",
                "available_from": (today + rng.randint(7, 60) * DAY).strftime("%d/%m/%Y"),
                "notes": rng.choice(NOTES[language]) or ""}
        if status == "contacted":  # the clerk has called and completed the address: ready to register
            form["address"] = f"{rng.choice(STREETS)} {rng.randint(1, 200)}"
            form["postcode"] = rng.choice(("95121", "95123", "95126", "95128", "95131"))
        if by_email:
            form["email"] = f"{first.lower()}.{last.lower()}.proposta{i}@example.org"
        else:
            form["phone"] = f"3{rng.randint(20, 99)} {rng.randint(100, 999)} {rng.randint(1000, 9999)}"
        for flag, share in (("has_lift", 0.5), ("step_free", 0.3), ("furnished", 0.4)):
            if rng.random() < share:
                form[flag] = "on"
        data = landlord_proposals.read_form(form, today=today)
        created = datetime.datetime.combine(today - days_ago * DAY, datetime.time(rng.randint(8, 21), rng.randint(0, 59)))
        proposal = LandlordProposal.create(created_at=created, status=status,
                                           contacted_on=today - (days_ago - 2) * DAY if status != "new" else None,
                                           **data)
        made.append(proposal)
    counts["LandlordProposal"] = len(made)
    return made
