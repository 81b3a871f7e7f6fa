"""Charters: treaties described as data, one row per loaded version."""

from __future__ import annotations

from typing import Any

from django.db import models


class Charter(models.Model):
    """A treaty or framework hosted by this deployment; points at its current version."""

    code = models.SlugField(max_length=40, unique=True)
    current = models.OneToOneField(
        "charters.CharterVersion",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
    )

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code

    @property
    def document(self) -> dict[str, Any]:
        assert self.current is not None
        return self.current.document


class CharterVersion(models.Model):
    """One loaded version of a charter. Acts name the version they were made under, so
    loading a new version never changes what earlier acts meant."""

    charter = models.ForeignKey(Charter, on_delete=models.PROTECT, related_name="versions")
    version = models.CharField(max_length=20)
    document: models.JSONField[Any, Any] = models.JSONField()
    # SHA-256 of the canonical JSON of the document: what acts commit to.
    digest = models.CharField(max_length=64)
    loaded_at = models.DateTimeField()

    class Meta:
        ordering = ["charter__code", "-loaded_at"]
        constraints = [
            models.UniqueConstraint(fields=["charter", "version"], name="charter_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.charter.code}@{self.version}"

    @property
    def label(self) -> str:
        return f"{self.charter.code}@{self.version}"
