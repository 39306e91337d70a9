"""A run's participant list and attendance, as CSV and as an Excel workbook."""

import csv
import io

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from enrolment.models import Attendance

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _safe(value) -> str:
    """Text a spreadsheet will never run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _table(run, enrolments):
    """The rows of `enrolments` (the run's, as enrolment.access lists them for the one who exports)."""
    sessions = list(run.sessions.all())
    enrolments = list(enrolments.select_related("person").order_by("status", "person__first_name", "pk"))
    marks = {
        (a.enrolment_id, a.session_id): a.get_status_display() for a in Attendance.objects.filter(session__run=run)
    }
    header = ["Navn", "E-post", "Mobil", "Status", "Kilde", "Meldt på"] + [
        f"{session.starts_at:%d.%m.%Y}" for session in sessions
    ]
    rows = [
        [
            e.person.first_name,
            e.person.contact_email,
            e.person.phone,
            e.get_status_display(),
            e.get_source_display(),
            f"{e.created_at:%d.%m.%Y}",
        ]
        + [marks.get((e.pk, session.pk), "") for session in sessions]
        for e in enrolments
    ]
    return header, rows


def participants_csv(run, enrolments) -> bytes:
    header, rows = _table(run, enrolments)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_safe(value) for value in row])
    return buffer.getvalue().encode("utf-8-sig")  # the byte-order mark makes Excel read æøå right


def participants_xlsx(run, enrolments) -> bytes:
    header, rows = _table(run, enrolments)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Deltakere"
    sheet.append(header)
    for row in rows:
        sheet.append([_safe(value) for value in row])
    for index, _title in enumerate(header, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = 18
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
