"""Give the existing subscriptions a term: the offer's first (term, billing frequency)
pair, or P1M/monthly, counted from the created date.

A subscription older than one term is in a later term by now: its term is the
one of that series that contains the migration's time (a term started on the
created date's anniversary), so the renewal job does not renew years of past
terms at once.
"""

from django.db import migrations
from django.utils import timezone

CHUNK = 2000


def forwards(apps, schema_editor):
    from subscriptions.terms import term_end_for

    Subscription = apps.get_model("subscriptions", "Subscription")
    OfferTerm = apps.get_model("subscriptions", "OfferTerm")
    first_pair = {}
    for pair in OfferTerm.objects.order_by("offer_id", "-position", "-id"):
        first_pair[pair.offer_id] = (pair.term, pair.billing_frequency)
    now = timezone.now()
    rows = Subscription.objects.filter(term_end__isnull=True).only(
        "id", "offer_id", "created_at"
    )
    batch = []
    for sub in rows.iterator(chunk_size=CHUNK):
        sub.term, sub.billing_frequency = first_pair.get(sub.offer_id, ("P1M", "monthly"))
        start = sub.created_at
        end = term_end_for(start, sub.term)
        while end <= now:
            start, end = end, term_end_for(end, sub.term)
        sub.term_start, sub.term_end = start, end
        batch.append(sub)
        if len(batch) >= CHUNK:
            Subscription.objects.bulk_update(
                batch, ["term", "billing_frequency", "term_start", "term_end"]
            )
            batch = []
    if batch:
        Subscription.objects.bulk_update(
            batch, ["term", "billing_frequency", "term_start", "term_end"]
        )


class Migration(migrations.Migration):
    dependencies = [("subscriptions", "0004_commerce_terms")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]
