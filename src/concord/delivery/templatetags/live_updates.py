"""``{% live_cursor %}``: the last act committed when the page is rendered, so that the
page's live stream resumes exactly after what the page already shows."""

from __future__ import annotations

from django import template

from concord.record.proofs import head_size

register = template.Library()


@register.simple_tag
def live_cursor() -> int:
    return head_size() - 1
