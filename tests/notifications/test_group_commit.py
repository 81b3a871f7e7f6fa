"""Submissions that arrive together from several threads are written in shared
transactions (``concord.db.group_commit``): each gets its own notification, acts,
delivery and receipts, a bad one fails alone, and the record stays gapless."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, transaction

from concord import clock
from concord.db.group_commit import GroupCommit
from concord.notifications import services as nsvc
from concord.notifications.models import Notification, Receipt, State
from concord.parties import services as psvc
from concord.parties.models import Status, User
from concord.parties.services import ServiceError
from concord.record.models import Act, ActType
from concord.record.services import act_append

pytestmark = pytest.mark.django_db(transaction=True)

SUBMITTERS = 8
CODES = ["at", "be", "cz", "dk", "ee", "fi", "gr", "hu"]


def prior() -> dict[str, Any]:
    start = clock.now().date() + timedelta(days=60)
    return {
        "start": start.isoformat(),
        "end": (start + timedelta(days=7)).isoformat(),
        "area": {"name": "Northern training area", "lat": 61.5, "lon": 24.1},
        "kind": "field-training",
        "troops": 9500,
        "battle_tanks": 40,
        "acv": 120,
        "artillery": 30,
        "units": ["U-101"],
    }


@pytest.fixture
def delegates(charters: Any, secretariat: User) -> list[User]:
    helsinki = charters["helsinki"]
    users = []
    for code in CODES:
        party = psvc.party_register(agent=secretariat, code=code, kind="state")
        psvc.participation_set(
            agent=secretariat, party=party, charter=helsinki, status=Status.PARTY
        )
        users.append(
            psvc.user_create(
                agent=secretariat,
                username=f"{code}-delegate",
                party=party,
                roles=["delegate"],
                password="x" * 20,
            )
        )
    return users


def held_first_batch(group: GroupCommit[Any, Any], units: int) -> list[int]:
    """Make the group's first write wait until ``units`` more units are queued, so that
    the next batch surely holds several; returns the sizes of the batches written."""
    sizes: list[int] = []
    write = group.write

    def slow(batch: Sequence[Any]) -> list[Any]:
        if not sizes:
            deadline = time.monotonic() + 10
            while len(group._waiting) < units and time.monotonic() < deadline:
                time.sleep(0.005)
        sizes.append(len(batch))
        return write(batch)

    group.write = slow
    return sizes


def in_threads(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run the calls at once, one thread each; results or exceptions, in order."""
    results: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        try:
            results[i] = calls[i]()
        except Exception as exc:  # returned for the test to look at
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
        time.sleep(0.01)  # the first one leads and is held; the others queue behind it
    for thread in threads:
        thread.join(30)
    return results


@pytest.fixture
def group(monkeypatch: pytest.MonkeyPatch) -> GroupCommit[Any, Any]:
    fresh: GroupCommit[Any, Any] = GroupCommit(nsvc._submissions_write)
    monkeypatch.setattr(nsvc, "_group", fresh)
    return fresh


def corrected_once(user: User, charter: Any) -> Notification:
    """A notification its party has corrected already: it cannot be corrected again."""
    first = nsvc.notification_submit(
        agent=user, charter=charter, form="prior-notification", data=prior()
    )
    nsvc.notification_submit(
        agent=user, charter=charter, form="prior-notification", data=prior(), supersedes=first
    )
    return first


def submit(user: User, charter: Any, **kwargs: Any) -> Callable[[], Notification]:
    return lambda: nsvc.notification_submit(
        agent=user, charter=charter, form="prior-notification", data=prior(), **kwargs
    )


def test_concurrent_submissions_share_a_transaction_and_each_is_whole(
    charters: Any, delegates: list[User], group: GroupCommit[Any, Any]
) -> None:
    helsinki = charters["helsinki"]
    sizes = held_first_batch(group, SUBMITTERS - 1)
    results = in_threads([submit(user, helsinki) for user in delegates])

    assert all(isinstance(n, Notification) for n in results), results
    assert max(sizes) > 1, sizes  # at least one batch held several submissions
    seqs = list(Act.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(len(seqs)))  # no gap, no duplicate
    parties = {p.party_id for p in helsinki.participations.all()}
    for user, notification in zip(delegates, results, strict=True):
        notification.refresh_from_db()
        assert notification.party_id == user.party_id
        assert notification.state == State.SUBMITTED
        act = notification.act
        assert act.type == ActType.NOTIFICATION_SUBMITTED
        assert act.actor_id == user.party_id
        receipts = Receipt.objects.filter(notification=notification)
        assert {r.party_id for r in receipts} == parties - {user.party_id}
        delivery = receipts[0].delivery_act
        assert delivery.type == ActType.NOTIFICATION_DELIVERED
        assert delivery.content["notification"] == notification.number
        assert delivery.refs == [act.seq]


def test_a_bad_submission_in_a_batch_fails_alone(
    charters: Any, delegates: list[User], group: GroupCommit[Any, Any]
) -> None:
    helsinki = charters["helsinki"]
    first = corrected_once(delegates[0], helsinki)
    before = Act.objects.count()
    sizes = held_first_batch(group, SUBMITTERS - 1)
    # The first notification is superseded already: correcting it again is refused.
    calls = [submit(user, helsinki) for user in delegates[1:]]
    calls.insert(3, submit(delegates[0], helsinki, supersedes=first))
    results = in_threads(calls)

    refused = results[3]
    assert isinstance(refused, ServiceError)
    assert refused.field == "supersedes"
    written = [r for i, r in enumerate(results) if i != 3]
    assert all(isinstance(n, Notification) for n in written), results
    assert max(sizes) > 1
    assert Act.objects.count() == before + 2 * len(written)
    seqs = list(Act.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(len(seqs)))


def test_a_caller_inside_a_transaction_writes_directly(
    charters: Any, delegates: list[User], group: GroupCommit[Any, Any]
) -> None:
    helsinki = charters["helsinki"]
    leading = []

    def rolled_back() -> None:
        with transaction.atomic():
            nsvc.notification_submit(
                agent=delegates[0], charter=helsinki, form="prior-notification", data=prior()
            )
            leading.append(group._leading)  # written in the caller's transaction
            raise RuntimeError("the caller rolls back")

    with pytest.raises(RuntimeError):
        rolled_back()
    assert leading == [False]
    assert not Notification.objects.exists()


def test_a_failure_after_the_commit_does_not_write_twice(secretariat: User) -> None:
    """A callback that fails once the batch has committed must not make the group
    write each unit again."""

    def fail() -> None:
        raise OSError("after commit")

    def write(units: Sequence[str]) -> list[int]:
        acts = [
            act_append(type=ActType.USER_CHANGED, actor=None, agent=None, content={"u": u})
            for u in units
        ]
        transaction.on_commit(fail)
        return [a.seq for a in acts]

    group: GroupCommit[str, int] = GroupCommit(write)
    before = Act.objects.count()
    held_first_batch(group, 3)
    results = in_threads([lambda u=u: group.run(u) for u in "abcd"])  # type: ignore[misc]

    written = Act.objects.filter(type=ActType.USER_CHANGED, seq__gt=before - 1)
    assert sorted(a.content["u"] for a in written) == ["a", "b", "c", "d"]
    # The first unit was written alone and its caller saw the callback fail, as a
    # caller of ``transaction.atomic`` would; the batch's units got their acts.
    assert isinstance(results[0], OSError)
    assert all(isinstance(r, int) for r in results[1:]), results


def test_errors_are_in_the_submitters_language(
    charters: Any, delegates: list[User], group: GroupCommit[Any, Any]
) -> None:
    helsinki = charters["helsinki"]
    first = corrected_once(delegates[0], helsinki)
    held_first_batch(group, 2)
    results = in_threads(
        [
            submit(delegates[1], helsinki, language="en"),
            submit(delegates[0], helsinki, supersedes=first, language="fr"),
            submit(delegates[2], helsinki, language="ru"),
        ]
    )
    assert isinstance(results[1], ServiceError)
    assert "Only the current version" not in str(results[1])  # French, not English
