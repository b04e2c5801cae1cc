"""The rows of the Customers table, built in Python (see portal.tables)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from portal.tables import date_formatter, escape, join_rows


def customer_rows(rows, *, detail_base: str, is_provider: bool):
    """The ``<tbody>`` of each customer: its row and the empty row it expands into."""
    label = escape(_("Show subscriptions"))
    created = date_formatter("SHORT_DATE_FORMAT")
    base = escape(detail_base)
    html = []
    for row in rows:
        url = f"{base}{row['uuid']}/"
        partner = (row["reseller_name"] or "—") if is_provider else row["provider_name"]
        html.append(
            '<tbody><tr><td><button type="button" class="expand" aria-expanded="false"'
            f' aria-label="{label}" title="{label}" data-expand-row hx-get="{url}row/"'
            ' hx-trigger="click once" hx-target="next tr" hx-swap="outerHTML">▾</button></td>'
            f'<td><a href="{url}">{escape(row["company_name"])}</a></td>'
            f"<td>{escape(row['primary_domain'])}</td>"
            f"<td>{escape(partner)}</td>"
            f'<td class="num">{row["subscription_count"]}</td>'
            f"<td>{created(row['created_at'])}</td>"
            '</tr><tr class="expanded-row" hidden></tr></tbody>'
        )
    return join_rows(html)
