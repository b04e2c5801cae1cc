"""Outbound mail: one function per kind of email, each queued as an outbox row.

A row is written in the caller's transaction; the Celery task that sends it is
enqueued only after commit, so a rolled-back action sends nothing, and a broker
that is down leaves the row queued for the relay to pick up.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.template import Context, engines
from django.template.loader import render_to_string
from django.utils import timezone, translation

from portal.models import OutboundEmail

log = logging.getLogger(__name__)


def render_text(template_name: str, context: dict) -> str:
    """Render a plain-text template (a subject, a text body) without HTML escaping.

    Escaping is for HTML: in a text part "AT&T" must stay "AT&T", not "AT&amp;T".
    The HTML part is rendered with escaping as usual.
    """
    template = engines["django"].get_template(template_name)
    return template.template.render(Context(context, autoescape=False))


def render_subject(template_name: str, context: dict) -> str:
    """A subject on one line, unescaped (line breaks in a header are never allowed)."""
    return " ".join(render_text(template_name, context).split())


def recipient_language(user_language: str, country: str) -> str:
    """The language of a person's mail: their own when set, else Japanese for an organisation
    in Japan and English elsewhere."""
    return user_language or ("ja" if country == "JP" else "en")


def queue_email(
    *,
    kind: str,
    to: str,
    context: dict,
    org=None,
    language: str | None = None,
    attachment: tuple[str, str, str] | None = None,
) -> OutboundEmail:
    """Render ``emails/<kind>-subject.txt``, ``-body.txt`` and ``-body.html`` into an outbox row.

    ``attachment``: (file name, content type, text) sent with the message.
    """
    with translation.override(language or translation.get_language()):
        subject = render_subject(f"emails/{kind}-subject.txt", context)
        body_text = render_text(f"emails/{kind}-body.txt", context)
        body_html = render_to_string(f"emails/{kind}-body.html", context)
    return queue_rendered_email(
        kind=kind,
        to=to,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        org=org,
        attachment=attachment,
    )


def queue_rendered_email(
    *,
    kind: str,
    to: str,
    subject: str,
    body_text: str,
    body_html: str = "",
    org=None,
    attachment: tuple[str, str, str] | None = None,
) -> OutboundEmail:
    """Write an already-written message (e.g. a draft the user edited) to the outbox."""
    email = OutboundEmail.objects.create(
        organisation=org,
        kind=kind,
        to=to,
        # A header never holds a line break, whatever the caller passed.
        subject=" ".join(subject.split())[:250],
        body_text=body_text,
        body_html=body_html,
        **(
            dict(
                zip(
                    ("attachment_name", "attachment_type", "attachment_text"),
                    attachment,
                    strict=True,
                )
            )
            if attachment
            else {}
        ),
    )
    # Robust: the action is committed; a failure to hand the row over (the broker
    # or the database connection gone right after the commit) is logged, and the
    # relay hands the row over later, instead of answering the action with an error.
    transaction.on_commit(lambda: enqueue_send(email.pk), robust=True)
    return email


def enqueue_send(email_id: int) -> bool:
    """Hand one outbox row to Celery; False (row stays queued) when the broker is unreachable."""
    from portal.tasks import send_outbound_email

    try:
        send_outbound_email.delay(email_id)
    except Exception:  # broker down: the relay resends queued rows later
        log.warning("Could not enqueue outbound email %s; it stays queued", email_id, exc_info=True)
        return False
    _handed_over([email_id])
    return True


def _handed_over(email_ids: list[int]) -> None:
    """Note that these rows are with the broker, so the relay leaves them to their task."""
    from portal.models import OutboundEmail

    # Rows already sent (a worker, or eager tasks, got there first) are left as they are.
    # A lapsed claim is cleared with it: the relay then waits for the new task.
    OutboundEmail.objects.filter(pk__in=email_ids, status=OutboundEmail.Status.QUEUED).update(
        handed_over_at=timezone.now(), claimed_at=None, claimed_by=""
    )


# Rows per send_outbound_emails task: one mail connection and one broker
# message carry this many emails; small enough that a batch finishes in
# seconds, far within the broker's visibility timeout.
SEND_BATCH_SIZE = 100


def enqueue_send_batches(email_ids: list[int]) -> int:
    """Hand outbox rows to Celery in batches; returns how many rows were handed over.

    A batch whose publish fails (broker down) stays queued for the relay.
    """
    from portal.tasks import send_outbound_emails

    handed_over = 0
    for start in range(0, len(email_ids), SEND_BATCH_SIZE):
        batch = list(email_ids[start : start + SEND_BATCH_SIZE])
        try:
            send_outbound_emails.delay(batch)
        except Exception:  # broker down: the relay resends queued rows later
            log.warning(
                "Could not enqueue %d outbound emails; they stay queued", len(batch), exc_info=True
            )
            return handed_over
        _handed_over(batch)
        handed_over += len(batch)
    return handed_over
