"""Attachments to exchange messages: a short list of file types, recognised by their
content rather than their name, and size limits from settings."""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.http import HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from concord.parties.services import ServiceError

if TYPE_CHECKING:
    from concord.exchange.models import Attachment

# Types a contact point may attach, by what the bytes are (not what the name says).
ALLOWED_TYPES = {
    "application/pdf": (".pdf",),
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg"),
    "text/plain": (".txt",),
    "text/csv": (".csv",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (".docx",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (".xlsx",),
}
MAX_FILES = 10
MAX_NAME = 200


@dataclass(frozen=True)
class CleanAttachment:
    name: str
    content_type: str
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    def summary(self) -> dict[str, object]:
        """What the message's committed content says of the file."""
        return {
            "name": self.name,
            "type": self.content_type,
            "size": len(self.data),
            "sha256": self.sha256,
        }


def _sniff(data: bytes, suffix: str) -> str | None:
    """The file's type from its first bytes; None if it is none of the allowed ones."""
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"PK\x03\x04"):
        # Office Open XML: a zip whose parts name the document kind.
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
        except zipfile.BadZipFile:
            return None
        if "word/document.xml" in names:
            return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        if "xl/workbook.xml" in names:
            return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        return None
    if b"\x00" in data:
        return None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return "text/csv" if suffix == ".csv" else "text/plain"


def attachments_clean(files: list[tuple[str, bytes]]) -> list[CleanAttachment]:
    """Check each (name, bytes): a known type whose name agrees with its content, within
    the size limits. Errors name the file (``attachments.<i>``)."""
    if len(files) > MAX_FILES:
        raise ServiceError(
            _("At most %(n)d files may be attached.") % {"n": MAX_FILES}, field="attachments"
        )
    limit = settings.CONCORD_EXCHANGE_ATTACHMENT_MAX_BYTES
    total_limit = settings.CONCORD_EXCHANGE_ATTACHMENTS_TOTAL_BYTES
    clean: list[CleanAttachment] = []
    total = 0
    for i, (raw_name, data) in enumerate(files):
        field = f"attachments.{i}"
        name = (raw_name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
        if not name or len(name) > MAX_NAME:
            raise ServiceError(_("A file needs a name of at most 200 characters."), field=field)
        if not data:
            raise ServiceError(_("%(name)s is empty.") % {"name": name}, field=field)
        if len(data) > limit:
            raise ServiceError(
                _("%(name)s is larger than %(limit)s.")
                % {"name": name, "limit": _megabytes(limit)},
                field=field,
            )
        total += len(data)
        suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
        content_type = _sniff(data, suffix)
        if content_type is None or suffix not in ALLOWED_TYPES[content_type]:
            raise ServiceError(
                _(
                    "%(name)s is not an allowed file type (PDF, PNG, JPEG, text, CSV, "
                    "Word or Excel), or its name does not match its content."
                )
                % {"name": name},
                field=field,
            )
        clean.append(CleanAttachment(name=name, content_type=content_type, data=data))
    if total > total_limit:
        raise ServiceError(
            _("The files together are larger than %(limit)s.") % {"limit": _megabytes(total_limit)},
            field="attachments",
        )
    return clean


def attachment_response(attachment: Attachment) -> HttpResponse:
    """The stored file as a download, never rendered by the browser."""
    response = HttpResponse(bytes(attachment.data), content_type=attachment.content_type)
    response["Content-Disposition"] = content_disposition_header(True, attachment.name) or ""
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MB"
