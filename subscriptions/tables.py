"""The rows of the subscription tables (Subscriptions, Support queue), built in Python.

See portal.tables for why rows are not rendered through the template language.
"""

from __future__ import annotations

from portal.tables import date_formatter, escape, join_rows


def subscription_rows(rows, *, detail_base: str, customer_base: str, show_provider: bool):
    """One ``<tr>`` per subscription (rows from selectors.subscription_rows, labelled)."""
    created = date_formatter("Y-m-d")
    detail, customer = escape(detail_base), escape(customer_base)
    html = []
    for row in rows:
        location = (
            f'{escape(row["location_partner_id"])} <span class="hint">'
            f"{escape(row['location_name'])}</span>"
            if row["location_partner_id"]
            else "—"
        )
        provider = f"<td>{escape(row['provider_name'])}</td>" if show_provider else ""
        html.append(
            f'<tr><td><a href="{customer}{row["customer_uuid"]}/">{escape(row["company_name"])}'
            f'</a></td><td class="hide-sm">{escape(row["primary_domain"])}</td>{provider}'
            f'<td><a href="{detail}{row["uuid"]}/">{escape(row["offer_name"])}</a></td>'
            f'<td class="num">{row["quantity"]}</td>'
            f'<td><span class="badge badge-{escape(row["status"])}">'
            f"{escape(row['status_label'])}</span></td>"
            f"<td>{location}</td>"
            f'<td class="hide-sm">{escape(row["support_contact_name"] or "—")}</td>'
            f'<td class="hide-sm">{created(row["created_at"])}</td></tr>'
        )
    return join_rows(html)
