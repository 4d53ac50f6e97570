"""Accompaniment: assessment, support plans, services, places, tenancies and incentives.

Plain modules without Flask, shared by the back office, the jobs and the tests.
"""


class ValidationFailed(Exception):
    """A record that may not be saved: ``errors`` is {field: [Italian messages]}."""

    def __init__(self, errors):
        self.errors = {name: list(messages) for name, messages in errors.items()}
        super().__init__("; ".join(f"{name}: {' '.join(m)}" for name, m in self.errors.items()))
