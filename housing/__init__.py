"""Domain modules of the Housing First back office (no Flask imports here).

The admin, the jobs, the site build and the benchmarks share these modules so
that every rule has one implementation.
"""
