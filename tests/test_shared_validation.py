"""One validation shared by the forms and the domain code.

The forms check a record with ``housing.validation``; the domain functions that
write without a form (``accounts.create_user``, ``assessments.record``) must
refuse exactly what those rules refuse. Each test fails when the two disagree
again, whichever side changes.
"""
import unicodedata

from hypothesis import example, given
from hypothesis import strategies as st

from housing import accounts, validation

USERNAME_CHARACTERS = st.sampled_from(list("abzAZ09._- @\n\t") + ["é", "\u212a", "\uff41", "\u0130", "\u200f", "\x00"])


def accepted_by_accounts(name):
    try:
        accounts.check_username(name)
    except accounts.AccountError as error:
        assert error.field == "username"
        return False
    return True


def accepted_by_the_form(name):
    return "username" not in validation.validate("user", {"username": name})


@given(st.text(USERNAME_CHARACTERS, max_size=70))
@example("a")
@example("ab")
@example("Anna.Rossi")
@example("-anna")
@example("x" * 64)
@example("x" * 65)
def test_accounts_and_the_account_form_agree_on_usernames(name):
    stored = accounts.normalise_username(name)
    assert accepted_by_accounts(name) == accepted_by_the_form(stored), (name, stored)
    if name == name.strip() and unicodedata.normalize("NFKC", name) == name:
        # typed as it will be stored but for the case: the form sees what the account code sees
        assert accepted_by_the_form(name) == accepted_by_accounts(name), name
