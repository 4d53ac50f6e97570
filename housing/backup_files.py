"""The file format of a backup: gzip, optionally encrypted, both streamed.

A plain backup is a standard gzip file (``gunzip`` opens it). An encrypted one
is the gzip stream cut into chunks, each sealed with AES-256-GCM: the STREAM
construction (Hoang, Reyhanitabar, Rogaway, Vizár 2015; age and Tink use it),
whose nonce carries the chunk number and a "last chunk" flag, so that a chunk
moved, dropped or cut off fails authentication like a changed byte does. The
key comes from a secret of any length through scrypt, with a salt per file;
half of scrypt's output checks the key, so that a wrong key is told apart from
a damaged file. Nothing is ever held whole in memory.

    header  = MAGIC | salt (16) | nonce prefix (7) | key check (16)
    chunk i = AES-GCM(key, nonce = prefix | i (4, big endian) | last (1), CHUNK bytes, aad = header)
"""
import hmac
import os
import zlib

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

MAGIC = b"HOUSING-BACKUP-AESGCM-1\n"
SALT, PREFIX, CHECK, TAG = 16, 7, 16, 16
HEADER = len(MAGIC) + SALT + PREFIX + CHECK
CHUNK = 64 * 1024
READ = 1024 * 1024
GZIP = 31  # zlib's wbits for a gzip header and trailer
GZIP_MAGIC = b"\x1f\x8b"


class WrongKey(ValueError):
    pass


class Damaged(ValueError):
    pass


class MissingKey(ValueError):
    pass


def _derive(secret, salt):
    material = Scrypt(salt=salt, length=64, n=2 ** 15, r=8, p=1).derive(secret.encode("utf-8"))
    return material[:32], material[32:32 + CHECK]


class _Sealer:
    """Writes chunks sealed with the STREAM construction to ``out``."""

    def __init__(self, out, secret):
        salt, self.prefix = os.urandom(SALT), os.urandom(PREFIX)
        key, check = _derive(secret, salt)
        self.aead, self.out, self.buffer, self.counter = AESGCM(key), out, bytearray(), 0
        self.header = MAGIC + salt + self.prefix + check
        out.write(self.header)

    def _seal(self, data, last):
        nonce = self.prefix + self.counter.to_bytes(4, "big") + (b"\x01" if last else b"\x00")
        self.out.write(self.aead.encrypt(nonce, bytes(data), self.header))
        self.counter += 1

    def write(self, data):
        self.buffer += data
        # Strictly more than a chunk is held back: the last chunk, flagged, is never empty-handed.
        while len(self.buffer) > CHUNK:
            self._seal(self.buffer[:CHUNK], last=False)
            del self.buffer[:CHUNK]

    def close(self):
        self._seal(self.buffer, last=True)


def _private(path, flags):
    return os.open(path, flags, 0o600)  # a backup holds personal data: its owner only


def pack(source, target, secret=None):
    """Compress (and encrypt with ``secret`` if given) the file ``source`` into ``target``."""
    compressor = zlib.compressobj(6, zlib.DEFLATED, GZIP)
    with open(source, "rb") as raw, open(target, "wb", opener=_private) as out:
        sink = _Sealer(out, secret) if secret else out
        while block := raw.read(READ):
            sink.write(compressor.compress(block))
        sink.write(compressor.flush())
        if secret:
            sink.close()
        out.flush()
        os.fsync(out.fileno())


def is_encrypted(path):
    with open(path, "rb") as handle:
        return handle.read(len(MAGIC)) == MAGIC


def _opened(handle, secret):
    """The compressed blocks of an encrypted file, authenticated chunk by chunk."""
    header = handle.read(HEADER)
    if len(header) < HEADER:
        raise Damaged("truncated header")
    salt = header[len(MAGIC):len(MAGIC) + SALT]
    prefix = header[len(MAGIC) + SALT:len(MAGIC) + SALT + PREFIX]
    key, check = _derive(secret, salt)
    if not hmac.compare_digest(check, header[-CHECK:]):
        raise WrongKey("wrong key")
    aead, counter = AESGCM(key), 0
    chunk = handle.read(CHUNK + TAG)
    while True:
        following = handle.read(CHUNK + TAG)
        last = not following
        nonce = prefix + counter.to_bytes(4, "big") + (b"\x01" if last else b"\x00")
        try:
            yield aead.decrypt(nonce, chunk, header)
        except InvalidTag:
            raise Damaged(f"chunk {counter} fails authentication") from None
        if last:
            return
        chunk, counter = following, counter + 1


def _plain(handle):
    while block := handle.read(READ):
        yield block


def unpack(source, target, secret=None):
    """Decrypt and decompress the backup ``source`` into the file ``target``.

    Raises ``MissingKey``, ``WrongKey`` or ``Damaged`` (a changed, cut or foreign file).
    """
    with open(source, "rb") as handle:
        start = handle.read(len(MAGIC))
        handle.seek(0)
        if start == MAGIC:
            if not secret:
                raise MissingKey("the backup is encrypted")
            blocks = _opened(handle, secret)
        elif start.startswith(GZIP_MAGIC):
            blocks = _plain(handle)
        else:
            raise Damaged("neither a gzip file nor an encrypted backup")
        decompressor = zlib.decompressobj(GZIP)
        with open(target, "wb", opener=_private) as out:
            try:
                for block in blocks:
                    if decompressor.eof:
                        raise Damaged("data after the end of the compressed stream")
                    # Bounded output: a block of zeroed pages may inflate a thousandfold.
                    while block:
                        out.write(decompressor.decompress(block, READ))
                        block = decompressor.unconsumed_tail
                out.write(decompressor.flush())
            except zlib.error as error:
                raise Damaged(f"compressed data is corrupt ({error})") from None
            if not decompressor.eof or decompressor.unused_data:
                raise Damaged("the compressed stream is cut short" if not decompressor.eof
                              else "data after the end of the compressed stream")
