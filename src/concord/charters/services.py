"""Loading charters: each new version is an act of the depositary."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.db import transaction

from concord import clock
from concord.charters import loader
from concord.charters.models import Charter, CharterVersion
from concord.record.entry import canonical
from concord.record.models import ActType
from concord.record.services import act_append

if TYPE_CHECKING:
    from concord.parties.models import User


def document_digest(doc: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(doc)).hexdigest()


def charter_load(
    *, document: dict[str, Any], agent: User | None = None
) -> tuple[CharterVersion, bool]:
    """Load a validated charter document. Returns (version, created).

    Loading the same version again with the same content does nothing; a version that
    exists with other content is refused, because acts already refer to it. A new
    version becomes current; earlier acts keep the version they were made under.
    """
    if agent is not None and not agent.is_secretariat:
        raise loader.CharterInvalid(
            [loader.CharterProblem("", "", "only the secretariat loads charters")]
        )
    digest = document_digest(document)
    code, version = document["id"], str(document["version"])
    with transaction.atomic():
        charter, _ = Charter.objects.select_for_update().get_or_create(code=code)
        existing = CharterVersion.objects.filter(charter=charter, version=version).first()
        if existing is not None:
            if existing.digest != digest:
                raise loader.CharterInvalid(
                    [
                        loader.CharterProblem(
                            code,
                            "version",
                            f"version {version} is already loaded with other content; "
                            "give the changed charter a new version",
                        )
                    ]
                )
            return existing, False
        cv = CharterVersion.objects.create(
            charter=charter,
            version=version,
            document=document,
            digest=digest,
            loaded_at=clock.now(),
        )
        previous = charter.current
        charter.current = cv
        charter.save(update_fields=["current"])
        act_append(
            type=ActType.CHARTER_LOADED,
            actor=None,
            agent=agent,
            charter_version=cv,
            content={
                "charter": code,
                "version": version,
                "digest": "sha256:" + digest,
                "previous": previous.version if previous else None,
            },
        )
    return cv, True


def charter_load_file(
    path: str | Path, *, agent: User | None = None
) -> tuple[CharterVersion, bool]:
    return charter_load(document=loader.load_file(path), agent=agent)


def builtin_charters_load() -> list[tuple[CharterVersion, bool]]:
    return [charter_load_file(p) for p in loader.builtin_paths()]
