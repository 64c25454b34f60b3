"""The Secure Remote Password protocol (SRP-6a) as Cognito's ``USER_SRP_AUTH`` speaks it, for
the emulator's user pools: the server's half (challenge, then proof check) and, for tests and
scripts, the client's.

The password never travels: the client proves it knows it. The group is the 3072-bit one of
RFC 5054 (RFC 3526's group 15) with generator 2 and SHA-256. What is Cognito's own: numbers are
hashed as big-endian hex with a sign byte (:func:`pad_hex`); the password hash ``x`` covers the
pool's name (the part of its id after ``_``), the user id for SRP and the password; the session
key comes from HKDF with ``u`` as salt and the info "Caldera Derived Key"; and the client's proof
is an HMAC of the pool name, the user id, the server's opaque secret block and a timestamp such
as ``Tue Feb 6 09:05:01 UTC 2024``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

N = int(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E"
    "3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF"
    "5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D3"
    "9A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08"
    "CA18217C32905E462E36CE3BE39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183"
    "995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458D"
    "BEF0A8AEA71575D060C7DB3970F85A6E1E4C7ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FF"
    "A06D98A0864D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E208E24FA074E5AB3"
    "143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF",
    16,
)
G = 2
_INFO = b"Caldera Derived Key\x01"
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def pad_hex(value: int) -> str:
    """Hex of a non-negative number, padded to whole bytes, with a zero byte in front when the
    top bit is set (so it never reads as negative)."""
    digits = format(value, "x")
    if len(digits) % 2:
        return "0" + digits
    return "00" + digits if digits[0] in "89abcdef" else digits


def _hash_hex(hex_digits: str) -> int:
    return int(hashlib.sha256(bytes.fromhex(hex_digits)).hexdigest(), 16)


K = _hash_hex(pad_hex(N) + pad_hex(G))


def password_hash(pool_id: str, user_id: str, password: str, salt: int) -> int:
    """``x``: what the verifier and the client's key are made from."""
    pool_name = pool_id.split("_", 1)[1]
    secret = hashlib.sha256(f"{pool_name}{user_id}:{password}".encode()).hexdigest()
    return _hash_hex(pad_hex(salt) + secret)


def _scrambler(big_a: int, big_b: int) -> int:
    return _hash_hex(pad_hex(big_a) + pad_hex(big_b))


def _session_key(shared: int, scrambler: int) -> bytes:
    prk = hmac.new(bytes.fromhex(pad_hex(scrambler)), bytes.fromhex(pad_hex(shared)), "sha256")
    return hmac.new(prk.digest(), _INFO, "sha256").digest()[:16]


def timestamp(epoch: float | None = None) -> str:
    """The TIMESTAMP of a PASSWORD_VERIFIER answer: ``Tue Feb 6 09:05:01 UTC 2024``."""
    t = time.gmtime(time.time() if epoch is None else epoch)
    return (
        f"{_DAYS[t.tm_wday]} {_MONTHS[t.tm_mon - 1]} {t.tm_mday} "
        f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} UTC {t.tm_year}"
    )


def _proof(key: bytes, pool_id: str, user_id: str, secret_block: str, when: str) -> str:
    message = (
        pool_id.split("_", 1)[1].encode()
        + user_id.encode()
        + base64.b64decode(secret_block)
        + when.encode()
    )
    return base64.b64encode(hmac.new(key, message, "sha256").digest()).decode()


@dataclass(frozen=True)
class ServerChallenge:
    """The pool's side of one sign-in: made from the client's ``A`` and the user's password,
    sent as ``SALT`` and ``SRP_B`` with a fresh ``SECRET_BLOCK``; later it checks the proof."""

    pool_id: str
    user_id: str
    salt: int
    big_a: int
    big_b: int
    key: bytes
    secret_block: str

    @classmethod
    def start(cls, *, pool_id: str, user_id: str, password: str, srp_a: str) -> ServerChallenge:
        big_a = int(srp_a, 16)
        if big_a % N == 0:
            raise ValueError("SRP_A must not be 0 modulo N")
        salt = secrets.randbits(128)
        verifier = pow(G, password_hash(pool_id, user_id, password, salt), N)
        while True:
            small_b = secrets.randbits(1024)
            big_b = (K * verifier + pow(G, small_b, N)) % N
            scrambler = _scrambler(big_a, big_b)
            if big_b and scrambler:
                break
        shared = pow(big_a * pow(verifier, scrambler, N), small_b, N)
        return cls(
            pool_id=pool_id,
            user_id=user_id,
            salt=salt,
            big_a=big_a,
            big_b=big_b,
            key=_session_key(shared, scrambler),
            secret_block=base64.b64encode(secrets.token_bytes(64)).decode(),
        )

    @property
    def parameters(self) -> dict[str, str]:
        """The challenge's SALT, SRP_B and SECRET_BLOCK, as Cognito sends them."""
        return {
            "SALT": format(self.salt, "x"),
            "SRP_B": format(self.big_b, "x"),
            "SECRET_BLOCK": self.secret_block,
        }

    def accepts(self, *, signature: str, when: str) -> bool:
        """Whether ``signature`` proves the client derived the same key (knew the password)."""
        expected = _proof(self.key, self.pool_id, self.user_id, self.secret_block, when)
        return hmac.compare_digest(expected, signature)


@dataclass(frozen=True)
class ClientSession:
    """The client's side, for scripts and tests (the web page has its own, in JavaScript)."""

    small_a: int
    big_a: int

    @classmethod
    def start(cls) -> ClientSession:
        small_a = secrets.randbits(1024)
        return cls(small_a=small_a, big_a=pow(G, small_a, N))

    @property
    def srp_a(self) -> str:
        return format(self.big_a, "x")

    def answer(
        self, *, pool_id: str, password: str, parameters: dict[str, str], when: str | None = None
    ) -> dict[str, str]:
        """The PASSWORD_VERIFIER challenge responses for the challenge's ``parameters``."""
        user_id = parameters["USER_ID_FOR_SRP"]
        big_b, salt = int(parameters["SRP_B"], 16), int(parameters["SALT"], 16)
        scrambler = _scrambler(self.big_a, big_b)
        x = password_hash(pool_id, user_id, password, salt)
        shared = pow((big_b - K * pow(G, x, N)) % N, self.small_a + scrambler * x, N)
        when = when or timestamp()
        key = _session_key(shared, scrambler)
        return {
            "USERNAME": user_id,
            "PASSWORD_CLAIM_SECRET_BLOCK": parameters["SECRET_BLOCK"],
            "TIMESTAMP": when,
            "PASSWORD_CLAIM_SIGNATURE": _proof(
                key, pool_id, user_id, parameters["SECRET_BLOCK"], when
            ),
        }
