"""Hit/no-hit: does another party hold information on an entity? (The Prüm model: the
answer names the holding party and an opaque reference, never the information; the
data follows only when the holder grants a request.)

Identifiers (IMO numbers, IBANs, phones, document numbers, …) hit on their normalised
form. Names (persons, organisations, vessels) hit through blocking keys and then a
score across scripts and transliterations; a date of birth sharpens or blocks a person
match. One query finds every candidate of a whole message.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Q

from concord.exchange import names
from concord.exchange.entities import (
    CleanEntity,
    EntityError,
    entities_clean,
    organisation_name_core,
)
from concord.exchange.models import Distribution, Entity, EntityKey
from concord.exchange.selectors import exchange_party
from concord.exchange.services import EntitiesInvalid, entity_query_keys
from concord.parties.models import User
from concord.parties.services import NotPermitted

MAX_HITS_PER_ENTITY = 20
MAX_CANDIDATES_PER_KEY = 200
ID_CHUNK = 5000
ERR_NOT_CONTACT_POINT = "Only a party's contact point may ask for hits."


@dataclass(frozen=True)
class Hit:
    """One holder's matching entity, as the asking party may learn of it."""

    party: str
    reference: str
    match: str  # "identifier" or "name"
    score: float
    verdict: str  # "match" or "possible"
    # Set only when the asking party may already read the message holding the entity.
    message_id: int | None = None


@dataclass
class HitResult:
    index: int
    label: str
    hits: list[Hit] = field(default_factory=list)


def hits_find(
    viewer: User, raw_entities: Any, *, exclude_message_id: int | None = None
) -> list[HitResult]:
    """One result per entity: the other parties that hold a matching entity."""
    party = exchange_party(viewer)
    if party is None:
        raise NotPermitted(ERR_NOT_CONTACT_POINT)
    try:
        entities = entities_clean(raw_entities)
    except EntityError as exc:
        raise EntitiesInvalid(exc) from exc
    return hits_for_entities(party.pk, entities, exclude_message_id=exclude_message_id)


def hits_for_entities(
    party_id: int, entities: list[CleanEntity], *, exclude_message_id: int | None = None
) -> list[HitResult]:
    """The matching work, for a party already known to be a contact point's."""
    results = [HitResult(index=i, label=e.label) for i, e in enumerate(entities)]
    wanted = [entity_query_keys(e) for e in entities]
    every_key = set().union(*(exact | fuzzy for exact, fuzzy in wanted))
    if not every_key:
        return results
    # Candidates, in three index-driven steps (one query joining keys to entities with
    # the visibility condition leads PostgreSQL's planner to scan every entity): the
    # entities under the keys; of those, the ones the asking party may find (findable,
    # or in a message distributed to it) and does not hold; then the data of at most
    # MAX_CANDIDATES_PER_KEY per key — enough to fill an answer even for a common name.
    rows = list(EntityKey.objects.filter(key__in=list(every_key)).values_list("key", "entity_id"))
    if not rows:
        return results
    seen = Distribution.objects.filter(party_id=party_id).values("message_id")
    entity_ids = sorted({entity_id for _key, entity_id in rows})
    allowed: set[int] = set()
    for i in range(0, len(entity_ids), ID_CHUNK):  # within any engine's parameter limit
        findable = (
            Entity.objects.filter(pk__in=entity_ids[i : i + ID_CHUNK])
            .filter(Q(findable=True) | Q(message_id__in=seen))
            .exclude(holder_id=party_id)
        )
        if exclude_message_id is not None:
            findable = findable.exclude(message_id=exclude_message_id)
        allowed.update(findable.values_list("pk", flat=True))
    by_key: dict[int, list[int]] = defaultdict(list)
    for key, entity_id in rows:
        if entity_id in allowed and len(by_key[key]) < MAX_CANDIDATES_PER_KEY:
            by_key[key].append(entity_id)
    candidate_ids = {cid for ids in by_key.values() for cid in ids}
    if not candidate_ids:
        return results
    candidates = {
        e.pk: e
        for e in Entity.objects.filter(pk__in=candidate_ids)
        .select_related("holder")
        .only("pk", "kind", "data", "reference", "birth_date", "holder__code", "message_id")
    }
    readable = set(
        Distribution.objects.filter(
            party_id=party_id, message_id__in={c.message_id for c in candidates.values()}
        ).values_list("message_id", flat=True)
    )
    scorer = _NameScorer(settings.CONCORD_NAME_MATCH_THRESHOLD)
    for i, entity in enumerate(entities):
        exact, fuzzy = wanted[i]
        found: dict[int, Hit] = {}
        for key in exact:
            for cid in by_key.get(key, ()):
                c = candidates.get(cid)
                if c is not None:
                    found[cid] = _hit(c, "identifier", 1.0, "match", readable)
        for key in fuzzy:
            for cid in by_key.get(key, ()):
                c = candidates.get(cid)
                if c is None or cid in found or c.kind != entity.kind:
                    continue
                match = scorer.best(entity, c)
                if match is not None and match.verdict != "no match":
                    found[cid] = _hit(c, "name", match.score, match.verdict, readable)
        ordered = sorted(found.values(), key=lambda h: (-h.score, h.party, h.reference))
        results[i].hits = ordered[:MAX_HITS_PER_ENTITY]
    return results


def _hit(entity: Entity, match: str, score: float, verdict: str, readable: set[int]) -> Hit:
    return Hit(
        party=entity.holder.code,
        reference=entity.reference,
        match=match,
        score=round(score, 3),
        verdict=verdict,
        message_id=entity.message_id if entity.message_id in readable else None,
    )


def _stored_names(entity: Entity) -> list[str]:
    data = entity.data
    if entity.kind == "person":
        return [str(n) for n in data.get("names", [])]
    value = data.get("name")
    if not value:
        return []
    return [organisation_name_core(str(value)) if entity.kind == "organisation" else str(value)]


class _NameScorer:
    """Scores asked names against stored ones, remembering each pair: candidates of a
    common name share their spelling, and a message often repeats a name."""

    def __init__(self, threshold: float | None):
        self.threshold = threshold
        self.cache: dict[tuple[str, str, Any, Any], names.NameMatch] = {}

    def best(self, asked: CleanEntity, stored: Entity) -> names.NameMatch | None:
        best: names.NameMatch | None = None
        for a in asked.names:
            for b in _stored_names(stored):
                key = (a, b, asked.birth_date, stored.birth_date)
                m = self.cache.get(key)
                if m is None:
                    m = self.cache[key] = names.name_compare(
                        a,
                        b,
                        birth_a=asked.birth_date,
                        birth_b=stored.birth_date,
                        threshold=self.threshold,
                    )
                if best is None or m.score > best.score:
                    best = m
        return best
