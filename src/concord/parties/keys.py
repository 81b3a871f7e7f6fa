"""Ed25519 signing keys: generation, encryption at rest, signing and verification."""

from __future__ import annotations

import base64
import hashlib
from functools import lru_cache

from cryptography.exceptions import InvalidSignature
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

_RAW = serialization.Encoding.Raw
_RAW_PUB = serialization.PublicFormat.Raw
_RAW_PRIV = serialization.PrivateFormat.Raw


@lru_cache(maxsize=4)
def _fernet(configured: str, secret_key: str) -> Fernet:
    if configured:
        return Fernet(configured.encode())
    # No dedicated key configured: derive one from SECRET_KEY, bound to this purpose.
    derived = HKDF(algorithm=SHA256(), length=32, salt=None, info=b"concord key encryption").derive(
        secret_key.encode()
    )
    return Fernet(base64.urlsafe_b64encode(derived))


def fernet() -> Fernet:
    """The cipher that protects private keys and TOTP secrets at rest."""
    return _fernet(settings.CONCORD_KEY_ENCRYPTION_KEY, settings.SECRET_KEY)


def encrypt_secret(data: bytes) -> bytes:
    return fernet().encrypt(data)


def decrypt_secret(token: bytes) -> bytes:
    return fernet().decrypt(bytes(token))


def key_id_for(public_key: bytes) -> str:
    """A short, stable name for a public key: the first 8 bytes of its SHA-256, in hex."""
    return hashlib.sha256(public_key).hexdigest()[:16]


def generate_keypair() -> tuple[bytes, bytes]:
    """A new Ed25519 key pair as (raw public key, raw private key)."""
    private = Ed25519PrivateKey.generate()
    return (
        private.public_key().public_bytes(_RAW, _RAW_PUB),
        private.private_bytes(_RAW, _RAW_PRIV, serialization.NoEncryption()),
    )


@lru_cache(maxsize=1024)
def _private_key(encrypted: bytes) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(decrypt_secret(encrypted))


def sign(private_key_encrypted: bytes, message: bytes) -> bytes:
    """Sign with an encrypted private key (decrypted keys are cached in memory)."""
    return _private_key(bytes(private_key_encrypted)).sign(message)


def verify(public_key: bytes, signature: bytes, message: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(bytes(public_key)).verify(bytes(signature), message)
    except (InvalidSignature, ValueError):
        return False
    return True
