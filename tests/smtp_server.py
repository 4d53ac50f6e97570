"""A real SMTP server on loopback for the e-mail tests (aiosmtpd in a thread).

``LoopbackSmtp`` keeps every message it accepted (parsed) in ``received``;
``refuse`` maps a recipient address to the SMTP reply that refuses it
("550 ..." for good, "451 ..." for now).
"""
import email
import email.policy
import socket
import threading

from aiosmtpd.controller import Controller


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Recorder:
    def __init__(self):
        self.received = []
        self.refuse = {}
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.received.append((envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


class LoopbackSmtp:
    """``with LoopbackSmtp() as server:`` a running server on ``server.port``."""

    def __init__(self, port=None):
        self.port = port or free_port()
        self.recorder = Recorder()
        self.controller = Controller(self.recorder, hostname="127.0.0.1", port=self.port)

    @property
    def received(self):
        return self.recorder.received

    def start(self):
        self.controller.start()
        return self

    def stop(self):
        self.controller.stop()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def settings_for(port, sender="casa@example.org"):
    from housing.mail.settings import smtp_settings

    return smtp_settings({"HOUSING_SMTP_HOST": "127.0.0.1", "HOUSING_SMTP_PORT": str(port),
                          "HOUSING_SMTP_TLS": "none", "HOUSING_MAIL_FROM": sender, "HOUSING_SMTP_TIMEOUT": "5"})
