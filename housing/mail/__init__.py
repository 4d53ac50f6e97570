"""Outgoing e-mail: the outbox in the database, its SMTP sender and the staff's daily digest.

- ``settings``: the SMTP settings, read from the environment (``HOUSING_SMTP_*``).
- ``outbox``: ``queue()`` a message once per key; ``send_due()`` sends what is due
  over SMTP, with retries and back-off, never twice (the job runner calls it).
- ``digest``: what is due for each staff member, as one e-mail a day.

No Flask here: the job runner, the back office and the tests share it.
"""
