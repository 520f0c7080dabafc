"""RSA keys that are a pure function of the scenario seed.

``cryptography``'s RSA key generation draws from the operating system's random source and
cannot be seeded, so the lab derives each key itself, from the scenario seed and the key's name,
and hands the numbers to ``cryptography`` (``RSAPrivateNumbers``), which checks them and does
all signing. The method (documented here so that anyone can reproduce a lab's keys):

1. A byte stream: SHAKE-256 (FIPS 202) of ``"ikesim-rsa|<bits>|<name>|<seed>|<p or q>|<n>"``
   for n = 0, 1, 2 … gives candidate n for that prime.
2. Candidates follow FIPS 186-4 Appendix B.3.3 in spirit: nlen/2 bits, the two top bits set
   (so that p·q has exactly nlen bits), odd; rejected unless gcd(candidate - 1, e) = 1,
   no prime below 2000 divides it, and it passes Miller-Rabin with 16 bases drawn from the
   same stream (FIPS 186-4 Table C.3 asks 5 rounds for 1024-bit primes, 7 for 512-bit).
3. |p - q| > 2^(nlen/2 - 100) (B.3.3 step 5.4); e = 65537; d = e^-1 mod lcm(p-1, q-1).

Same seed and name, same key, on every machine. Keys are cached per process. The lab's keys are
1024-bit by default (IOS labs' usual `crypto key generate rsa modulus 1024`; a 1024-bit key costs
a fraction of a second of pure Python, a 2048-bit one several seconds). These keys protect
nothing real: they only have to be valid RSA keys that a lab run reproduces bit for bit.
"""

from __future__ import annotations

import hashlib
import math
from functools import cache

from cryptography.hazmat.primitives.asymmetric import rsa

PUBLIC_EXPONENT = 65537
MR_ROUNDS = 16
DEFAULT_BITS = 1024
_SMALL_PRIMES = math.prod(p for p in range(3, 2000, 2)
                          if all(p % d for d in range(3, int(p ** 0.5) + 1, 2)))


def _stream(label: str, length: int) -> bytes:
    return hashlib.shake_256(label.encode()).digest(length)


def _miller_rabin(n: int, bases: list[int]) -> bool:
    d, s = n - 1, 0
    while d % 2 == 0:
        d, s = d // 2, s + 1
    for a in bases:
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def _prime(label: str, bits: int) -> int:
    size = bits // 8
    for n in range(1_000_000):
        raw = _stream(f"{label}|{n}", size + MR_ROUNDS * size)
        cand = int.from_bytes(raw[:size], "big") | (0b11 << (bits - 2)) | 1
        if math.gcd(cand - 1, PUBLIC_EXPONENT) != 1 or math.gcd(cand, _SMALL_PRIMES) != 1:
            continue
        bases = [2 + int.from_bytes(raw[size * (i + 1):size * (i + 2)], "big") % (cand - 3)
                 for i in range(MR_ROUNDS)]
        if _miller_rabin(cand, bases):
            return cand
    raise RuntimeError("no prime found")      # unreachable: primes are dense enough


@cache
def rsa_key(seed: int, name: str, bits: int = DEFAULT_BITS) -> rsa.RSAPrivateKey:
    """The RSA key ``name`` of the lab with ``seed`` (see the module docstring)."""
    if bits % 16 or bits < 512:
        raise ValueError(f"RSA modulus of {bits} bits")
    half = bits // 2
    p = _prime(f"ikesim-rsa|{bits}|{name}|{seed}|p", half)
    for attempt in range(1000):
        q = _prime(f"ikesim-rsa|{bits}|{name}|{seed}|q{attempt or ''}", half)
        if abs(p - q) > 1 << (half - 100):
            break
    n = p * q
    lam = (p - 1) * (q - 1) // math.gcd(p - 1, q - 1)
    d = pow(PUBLIC_EXPONENT, -1, lam)
    public = rsa.RSAPublicNumbers(PUBLIC_EXPONENT, n)
    numbers = rsa.RSAPrivateNumbers(p, q, d, rsa.rsa_crt_dmp1(d, p), rsa.rsa_crt_dmq1(d, q),
                                    rsa.rsa_crt_iqmp(p, q), public)
    return numbers.private_key()
