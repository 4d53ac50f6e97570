"""Matching households with offers: eligibility rules, scores, shortlists, batch proposals, census."""
