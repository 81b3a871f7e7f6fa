"""Format and checksum checks for the cryptocurrency addresses the exchange knows.

Only mainnet addresses are accepted: test networks have no place in law-enforcement
correlation. Each check is written from its specification:

- Base58Check (legacy Bitcoin, Litecoin and Tron addresses): the payload's last four
  bytes are the first four of SHA-256(SHA-256(rest)), as in Bitcoin Core's ``base58.cpp``
  and the Bitcoin wiki's "Base58Check encoding".
- Bech32 and Bech32m (``bc1…``/``ltc1…``): BIP-173 defines the checksum and the segwit
  address rules; BIP-350 gives witness versions 1–16 the Bech32m constant.
- EIP-55 (Ethereum): the case of each hex letter is a bit of Keccak-256 of the lowercase
  address. ``hashlib`` has SHA-3, whose padding differs from Keccak's, so the Keccak-f[1600]
  permutation of FIPS 202 is written out here with the original Keccak padding.
- Monero: pattern only (length, prefix, Monero's base58 alphabet); its checksum is not
  verified.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Literal

_BASE58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_BASE58_INDEX = {char: value for value, char in enumerate(_BASE58_ALPHABET)}
_BECH32_ALPHABET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_BECH32_INDEX = {char: value for value, char in enumerate(_BECH32_ALPHABET)}
_BECH32_GENERATOR = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
BECH32_CONSTANT = 1
BECH32M_CONSTANT = 0x2BC830A3

_ETH_RE = re.compile(r"(?:0[xX])?([0-9a-fA-F]{40})")
# Standard and subaddresses are 95 characters, integrated addresses (with a payment id) 106.
_XMR_RE = re.compile(r"[48][1-9A-HJ-NP-Za-km-z]{94}|4[1-9A-HJ-NP-Za-km-z]{105}")

Problem = Literal["format", "checksum"]


class AddressError(ValueError):
    """An address that is malformed (``format``) or fails its checksum (``checksum``)."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem)
        self.problem: Problem = problem


@dataclass(frozen=True)
class Chain:
    """How one blockchain writes its addresses."""

    code: str
    base58_versions: frozenset[int] = frozenset()
    segwit_hrp: str = ""
    account_hex: bool = False
    monero: bool = False


_CHAINS = {
    "BTC": Chain("BTC", base58_versions=frozenset({0x00, 0x05}), segwit_hrp="bc"),
    "LTC": Chain("LTC", base58_versions=frozenset({0x30, 0x32, 0x05}), segwit_hrp="ltc"),
    "ETH": Chain("ETH", account_hex=True),
    "TRX": Chain("TRX", base58_versions=frozenset({0x41})),
    "XMR": Chain("XMR", monero=True),
}

# A token lives at its chain's addresses, so the exact-match key names the chain.
CURRENCY_CHAINS: dict[str, str] = {
    "BTC": "BTC",
    "LTC": "LTC",
    "ETH": "ETH",
    "USDT-ERC20": "ETH",
    "USDC-ERC20": "ETH",
    "TRX": "TRX",
    "USDT-TRC20": "TRX",
    "XMR": "XMR",
}
_CURRENCY_ALIASES = {
    "BITCOIN": "BTC",
    "LITECOIN": "LTC",
    "ETHEREUM": "ETH",
    "TRON": "TRX",
    "MONERO": "XMR",
    "USDT-TRX": "USDT-TRC20",
    "USDT-TRON": "USDT-TRC20",
    "USDT-ETH": "USDT-ERC20",
}


def currency_normalise(value: str) -> str | None:
    """The canonical code of a known currency (``usdt_trc20`` → ``USDT-TRC20``), else None."""
    code = re.sub(r"[\s_]+", "-", value.strip()).upper()
    code = _CURRENCY_ALIASES.get(code, code)
    return code if code in CURRENCY_CHAINS else None


def crypto_address_normalise(currency: str, address: str) -> tuple[str, str]:
    """Check ``address`` for a canonical ``currency`` code; return it in canonical
    form and the form used in exact-match keys. Raises AddressError."""
    chain = _CHAINS[CURRENCY_CHAINS[currency]]
    address = address.strip()
    if chain.account_hex:
        canonical = eth_address_normalise(address)
        return canonical, canonical.lower()
    if chain.monero:
        if not _XMR_RE.fullmatch(address):
            raise AddressError("format")
        return address, address
    if chain.segwit_hrp and address[: len(chain.segwit_hrp) + 1].lower() == chain.segwit_hrp + "1":
        segwit_decode(chain.segwit_hrp, address)
        return address.lower(), address.lower()
    payload = base58check_decode(address)
    if len(payload) != 21 or payload[0] not in chain.base58_versions:
        raise AddressError("format")
    return address, address


def base58check_decode(text: str) -> bytes:
    """The payload (version byte and data) of a Base58Check string, checksum removed."""
    # 25-byte addresses are at most 35 characters; a bound keeps the integer small.
    if not 1 <= len(text) <= 64 or any(char not in _BASE58_INDEX for char in text):
        raise AddressError("format")
    number = 0
    for char in text:
        number = number * 58 + _BASE58_INDEX[char]
    body = number.to_bytes((number.bit_length() + 7) // 8, "big")
    # Each leading '1' stands for one leading zero byte.
    raw = b"\x00" * (len(text) - len(text.lstrip("1"))) + body
    if len(raw) < 5:
        raise AddressError("format")
    payload, checksum = raw[:-4], raw[-4:]
    if hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4] != checksum:
        raise AddressError("checksum")
    return payload


def _bech32_polymod(values: list[int]) -> int:
    check = 1
    for value in values:
        top = check >> 25
        check = (check & 0x1FFFFFF) << 5 ^ value
        for bit, generator in enumerate(_BECH32_GENERATOR):
            if (top >> bit) & 1:
                check ^= generator
    return check


def _bech32_hrp_expand(hrp: str) -> list[int]:
    return [ord(char) >> 5 for char in hrp] + [0] + [ord(char) & 31 for char in hrp]


def bech32_decode(text: str) -> tuple[str, list[int], int]:
    """Split a Bech32 or Bech32m string (BIP-173, BIP-350) into its human-readable part,
    its data values without the checksum, and the checksum constant it matched."""
    if len(text) > 90 or any(not 33 <= ord(char) <= 126 for char in text):
        raise AddressError("format")
    if text.lower() != text and text.upper() != text:
        raise AddressError("format")  # BIP-173: mixed case is never valid
    text = text.lower()
    separator = text.rfind("1")
    if separator < 1 or separator + 7 > len(text):
        raise AddressError("format")
    hrp, rest = text[:separator], text[separator + 1 :]
    if any(char not in _BECH32_INDEX for char in rest):
        raise AddressError("format")
    data = [_BECH32_INDEX[char] for char in rest]
    constant = _bech32_polymod(_bech32_hrp_expand(hrp) + data)
    if constant not in (BECH32_CONSTANT, BECH32M_CONSTANT):
        raise AddressError("checksum")
    return hrp, data[:-6], constant


def _five_to_eight_bits(values: list[int]) -> bytes:
    accumulator, bits, result = 0, 0, bytearray()
    for value in values:
        accumulator = (accumulator << 5) | value
        bits += 5
        while bits >= 8:
            bits -= 8
            result.append((accumulator >> bits) & 0xFF)
    # BIP-173: at most 4 bits of padding, all zero.
    if bits >= 5 or accumulator & ((1 << bits) - 1):
        raise AddressError("format")
    return bytes(result)


def segwit_decode(expected_hrp: str, text: str) -> tuple[int, bytes]:
    """Witness version and program of a segwit address, checked as BIP-173/BIP-350 ask."""
    hrp, data, constant = bech32_decode(text)
    if hrp != expected_hrp or not data:
        raise AddressError("format")
    version, program = data[0], _five_to_eight_bits(data[1:])
    if version > 16 or not 2 <= len(program) <= 40:
        raise AddressError("format")
    if version == 0 and len(program) not in (20, 32):
        raise AddressError("format")
    # Version 0 uses Bech32, every later version Bech32m; the other constant is a bad checksum.
    if constant != (BECH32_CONSTANT if version == 0 else BECH32M_CONSTANT):
        raise AddressError("checksum")
    return version, program


def _keccak_round_constants() -> tuple[int, ...]:
    # FIPS 202 Algorithms 5 and 6: bit 2^j - 1 of round i's constant is rc(j + 7i).
    def rc(t: int) -> int:
        register = 1
        for _ in range(t % 255):
            register <<= 1
            if register & 0x100:
                register ^= 0x171
        return register & 1

    return tuple(sum(rc(j + 7 * i) << ((1 << j) - 1) for j in range(7)) for i in range(24))


def _keccak_rotations() -> tuple[int, ...]:
    # FIPS 202 §3.2.2 (ρ): offsets walk (x, y) from (1, 0) by (y, 2x + 3y).
    offsets = [0] * 25
    x, y = 1, 0
    for t in range(24):
        offsets[x + 5 * y] = ((t + 1) * (t + 2) // 2) % 64
        x, y = y, (2 * x + 3 * y) % 5
    return tuple(offsets)


_ROUND_CONSTANTS = _keccak_round_constants()
_ROTATIONS = _keccak_rotations()
# ρ and π together: lane (x, y) moves to (y, 2x + 3y), rotated by its offset.
_MOVES = tuple(
    (x + 5 * y, y + 5 * ((2 * x + 3 * y) % 5), _ROTATIONS[x + 5 * y])
    for x in range(5)
    for y in range(5)
)
_MASK = (1 << 64) - 1


def _keccak_f1600(state: list[int]) -> None:
    moved = [0] * 25
    for constant in _ROUND_CONSTANTS:
        columns = [
            state[x] ^ state[x + 5] ^ state[x + 10] ^ state[x + 15] ^ state[x + 20]
            for x in range(5)
        ]
        for x in range(5):
            right = columns[(x + 1) % 5]
            theta = columns[(x - 1) % 5] ^ (((right << 1) | (right >> 63)) & _MASK)
            for y in range(0, 25, 5):
                state[x + y] ^= theta
        for source, target, shift in _MOVES:
            lane = state[source]
            moved[target] = ((lane << shift) | (lane >> (64 - shift))) & _MASK if shift else lane
        for y in range(0, 25, 5):
            a, b, c, d, e = moved[y : y + 5]
            state[y] = a ^ (~b & c)
            state[y + 1] = b ^ (~c & d)
            state[y + 2] = c ^ (~d & e)
            state[y + 3] = d ^ (~e & a)
            state[y + 4] = e ^ (~a & b)
        state[0] ^= constant


def keccak_sponge_256(data: bytes, *, domain_padding: int) -> bytes:
    """A 256-bit Keccak sponge (rate 136 bytes). ``domain_padding`` 0x01 gives the original
    Keccak-256 that Ethereum uses; 0x06 gives SHA3-256 (which is how it is tested)."""
    rate = 136
    padded = bytearray(data)
    padded.append(domain_padding)
    padded.extend(b"\x00" * (-len(padded) % rate))
    padded[-1] |= 0x80
    state = [0] * 25
    for start in range(0, len(padded), rate):
        block = padded[start : start + rate]
        for lane in range(rate // 8):
            state[lane] ^= int.from_bytes(block[8 * lane : 8 * lane + 8], "little")
        _keccak_f1600(state)
    return b"".join(state[lane].to_bytes(8, "little") for lane in range(4))


def keccak256(data: bytes) -> bytes:
    """Keccak-256 as Ethereum uses it (not SHA3-256)."""
    return keccak_sponge_256(data, domain_padding=0x01)


def eip55_checksummed(hex_digits: str) -> str:
    """The EIP-55 mixed-case form ``0x…`` of 40 hex digits."""
    lower = hex_digits.lower()
    digest = keccak256(lower.encode("ascii")).hex()
    return "0x" + "".join(
        char.upper() if char.isalpha() and int(digest[i], 16) >= 8 else char
        for i, char in enumerate(lower)
    )


def eth_address_normalise(address: str) -> str:
    """An Ethereum address in EIP-55 form; mixed case input must carry a correct checksum,
    single-case input (which carries none) is accepted as it is."""
    match = _ETH_RE.fullmatch(address)
    if not match:
        raise AddressError("format")
    digits = match.group(1)
    canonical = eip55_checksummed(digits)
    if digits != digits.lower() and digits != digits.upper() and digits != canonical[2:]:
        raise AddressError("checksum")
    return canonical
