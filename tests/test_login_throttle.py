"""Login throttling: one spelling of a name, limits per (address, account)
pair and per address, the client address from a trusted proxy only, and the
same work for an existing and an unknown username."""
import time

import pytest
from argon2 import PasswordHasher

from admin import create_app
from conftest import PASSWORD, TOKEN, make_user
from housing import accounts


class CountingHasher(PasswordHasher):
    """A cheap argon2id hasher that counts the verifications it runs."""

    def __init__(self):
        super().__init__(time_cost=1, memory_cost=1024, parallelism=1)
        self.verified = 0

    def verify(self, hash, password):
        self.verified += 1
        return super().verify(hash, password)


@pytest.fixture
def hasher(monkeypatch):
    hasher = CountingHasher()
    monkeypatch.setattr(accounts, "_hasher", hasher)
    return hasher


def attempt(client, username, password=PASSWORD, address="192.0.2.10", forwarded=None):
    """POST the login form from ``address`` (optionally through a proxy that forwards ``forwarded``)."""
    environ = {"REMOTE_ADDR": address}
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    page = client.get("/auth/login", environ_base=environ, headers=headers)
    token = TOKEN.search(page.get_data(as_text=True)).group(1)
    return client.post("/auth/login", data={"username": username, "password": password, "csrf_token": token},
                       environ_base=environ, headers=headers)


def test_spellings_of_a_name_are_one_account(app, client, hasher):
    make_user(app, "sview", "viewer")
    for spelling in (" sview", "SVIEW ", "Sview", "sview\t", "\uff53view"):  # the last with a full-width s
        assert attempt(client, spelling, "wrong password!").status_code == 401, spelling
    assert attempt(client, "sview").status_code == 429
    assert attempt(client, " SView ").status_code == 429


def test_the_login_accepts_the_spellings_it_counts(app, client, hasher):
    make_user(app, "sview", "viewer")
    assert attempt(client, "  SVIEW ").status_code == 302


def test_one_address_guessing_one_account_does_not_lock_it_elsewhere(app, client, hasher):
    make_user(app, "anna", "operator")
    for _ in range(accounts.MAX_FAILURES_PER_PAIR):
        assert attempt(client, "anna", "wrong password!", address="198.51.100.66").status_code == 401
    assert attempt(client, "anna", address="198.51.100.66").status_code == 429
    assert attempt(app.test_client(), "anna", address="192.0.2.10").status_code == 302


def test_a_success_elsewhere_does_not_reset_the_guesser(app, client, hasher):
    make_user(app, "anna", "operator")
    for _ in range(accounts.MAX_FAILURES_PER_PAIR - 1):
        attempt(client, "anna", "wrong password!", address="198.51.100.66")
    assert attempt(app.test_client(), "anna", address="192.0.2.10").status_code == 302
    assert attempt(client, "anna", "wrong password!", address="198.51.100.66").status_code == 401
    assert attempt(client, "anna", address="198.51.100.66").status_code == 429


def test_failures_on_other_accounts_do_not_lock_an_account_on_the_same_address(app, client, hasher):
    """Twenty failures used to lock every account of an address: behind a proxy, the whole office."""
    make_user(app, "anna", "operator")
    for number in range(20):
        attempt(client, f"nobody{number}", "wrong password!")
    assert attempt(app.test_client(), "anna").status_code == 302


def test_an_address_spraying_many_accounts_is_stopped(app, client, hasher):
    make_user(app, "anna", "operator")
    for number in range(accounts.MAX_FAILURES_PER_ADDRESS):
        attempt(client, f"nobody{number}", "wrong password!", address="198.51.100.66")
    assert attempt(client, "anna", address="198.51.100.66").status_code == 429
    assert attempt(app.test_client(), "anna", address="192.0.2.10").status_code == 302


def test_many_addresses_guessing_one_account_are_stopped(app, client, hasher):
    make_user(app, "anna", "operator")
    for number in range(accounts.MAX_FAILURES_PER_ACCOUNT):
        attempt(client, "anna", "wrong password!", address=f"198.51.100.{number + 1}")
    assert attempt(client, "anna", address="192.0.2.10").status_code == 429


def test_forwarded_addresses_are_ignored_unless_a_proxy_is_trusted(app, client, hasher):
    """A client cannot pick a fresh address per attempt by sending its own header."""
    assert app.config["TRUSTED_PROXIES"] == 0
    make_user(app, "anna", "operator")
    for number in range(accounts.MAX_FAILURES_PER_PAIR):
        attempt(client, "anna", "wrong password!", forwarded=f"203.0.113.{number + 1}")
    assert attempt(client, "anna", forwarded="203.0.113.200").status_code == 429


@pytest.fixture
def proxied_app(db_url):
    """The back office behind one trusted reverse proxy."""
    app = create_app({"TESTING": True, "ENV": "testing", "SECRET_KEY": "test-secret-key", "DATABASE_URL": db_url,
                      "SESSION_COOKIE_SECURE": False, "TRUSTED_PROXIES": 1})
    yield app
    database = app.extensions["database"]
    if not database.is_closed():
        database.close()


def test_behind_a_trusted_proxy_one_client_cannot_lock_the_office(proxied_app, hasher):
    app = proxied_app
    make_user(app, "anna", "operator")
    attacker = app.test_client()
    for number in range(accounts.MAX_FAILURES_PER_ADDRESS):
        attempt(attacker, f"nobody{number}", "wrong password!", address="10.0.0.1", forwarded="203.0.113.9")
    assert attempt(attacker, "anna", address="10.0.0.1", forwarded="203.0.113.9").status_code == 429
    # a colleague behind the same proxy still logs in
    assert attempt(app.test_client(), "anna", address="10.0.0.1", forwarded="198.51.100.7").status_code == 302
    # the proxy's own hop is the one trusted: a header the client made up is not
    spoofed = "203.0.113.250, 203.0.113.9"
    assert attempt(attacker, "anna", address="10.0.0.1", forwarded=spoofed).status_code == 429


def test_unknown_existing_and_inactive_usernames_do_the_same_work(app, hasher):
    make_user(app, "anna", "operator")
    inactive = make_user(app, "bruno", "operator")
    with app.extensions["database"].connection_context():
        type(inactive).update(active=False).where(type(inactive).id == inactive.id).execute()
        for username in ("anna", "nobody", "bruno"):
            before = hasher.verified
            assert accounts.authenticate(username, "wrong password!", "192.0.2.10") is None
            assert hasher.verified == before + 1, username
        before = hasher.verified
        assert accounts.authenticate("bruno", PASSWORD, "192.0.2.10") is None
        assert hasher.verified == before + 1


def test_unknown_and_existing_usernames_take_comparable_time(app):
    """With the real hasher: 21 ms against 525 ms before; the bound is generous on purpose."""
    make_user(app, "anna", "operator")

    def fastest(username):
        timings = []
        for _ in range(3):
            start = time.perf_counter()
            accounts.authenticate(username, "wrong password!", "192.0.2.10")
            timings.append(time.perf_counter() - start)
        return min(timings)

    with app.extensions["database"].connection_context():
        existing, unknown = fastest("anna"), fastest("nobody")
    assert unknown > existing / 3, (existing, unknown)


def test_concurrent_guesses_cannot_outrun_the_limit(app, monkeypatch):
    """Twenty guesses at once from one address: at most the pair's limit reach the password check
    (checking the count before recording the failure let every one of them through)."""
    import threading

    class SlowHasher(CountingHasher):
        def verify(self, hash, password):
            time.sleep(0.05)  # argon2's real cost opens the same window
            return super().verify(hash, password)

    monkeypatch.setattr(accounts, "_hasher", SlowHasher())
    make_user(app, "anna", "operator")
    database = app.extensions["database"]

    def guess(outcomes):
        with database.connection_context():
            try:
                outcomes.append(accounts.authenticate("anna", "wrong password!", "198.51.100.66"))
            except accounts.Throttled:
                outcomes.append("throttled")

    for _ in range(20):
        with database.connection_context():
            accounts.LoginAttempt.delete().execute()
        outcomes = []
        threads = [threading.Thread(target=guess, args=(outcomes,)) for _ in range(20)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        checked = [outcome for outcome in outcomes if outcome != "throttled"]
        assert len(outcomes) == 20 and checked == [None] * len(checked)
        assert 1 <= len(checked) <= accounts.MAX_FAILURES_PER_PAIR, len(checked)
        with database.connection_context():
            assert accounts.LoginAttempt.select().count() == len(checked), "throttled attempts leave no row"
