"""The rows of the Indirect resellers table, built in Python (see portal.tables)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from portal.tables import date_formatter, escape, join_rows


def partnership_rows(
    rows,
    *,
    reseller_base: str,
    customer_new_base: str,
    csrf_token: str,
    can_request: bool,
    can_add_customer: bool,
    can_remove: bool,
):
    """One ``<tr>`` per active partnership (rows from selectors.partnership_rows)."""
    short_date = date_formatter("SHORT_DATE_FORMAT")
    date_time = date_formatter("SHORT_DATETIME_FORMAT")
    accepted = escape(_("Agreement accepted"))
    not_accepted = escape(_("Not accepted"))
    remind = escape(_("Send agreement reminder"))
    add_customer = escape(_("Add new customer"))
    remove = escape(_("Remove partnership"))
    base, new_base, token = escape(reseller_base), escape(customer_new_base), escape(csrf_token)
    html = []
    for row in rows:
        if row["agreement_accepted_at"]:
            agreement = (
                f'<span class="badge badge-accepted">{accepted}</span> '
                f"{short_date(row['agreement_accepted_at'])}"
            )
        else:
            agreement = f'<span class="badge badge-not-accepted">{not_accepted}</span>'
            if row["agreement_reminder_sent_at"]:
                reminded = _("Reminded %(date)s") % {
                    "date": date_time(row["agreement_reminder_sent_at"])
                }
                agreement += f'<br><span class="hint">{escape(reminded)}</span>'
        actions = []
        if can_request and not row["agreement_accepted_at"]:
            actions.append(
                f'<form method="post" action="{base}{row["uuid"]}/agreement-reminder/">'
                f'<input type="hidden" name="csrfmiddlewaretoken" value="{token}">'
                f'<button type="submit" class="button small">{remind}</button></form>'
            )
        if can_add_customer:
            actions.append(
                f'<a class="button small" href="{new_base}{row["reseller_uuid"]}">{add_customer}</a>'
            )
        if can_remove:
            actions.append(
                f'<a class="button small" href="{base}{row["uuid"]}/remove/">{remove}</a>'
            )
        html.append(
            f"<tr><td>{escape(row['legal_name'])}</td><td>{escape(row['partner_id'])}</td>"
            f'<td class="hide-sm">{escape(row["contact_email"])}</td>'
            f"<td>{short_date(row['created_at'])}</td><td>{agreement}</td>"
            f'<td class="num">{row["customers_count"]}</td>'
            f'<td class="actions">{" ".join(actions)}</td></tr>'
        )
    return join_rows(html)
