"""The imports: their columns, how a row is checked (without writing) and how it is applied.

A kind checks a whole file at once, so it can look things up in bulk (one
query per table, not per row), and applies one row at a time inside the
runner's transaction. ``apply`` returns ``(outcome, message, object id,
secret)``; it raises ``ServiceError`` for a row that fails.
"""

from __future__ import annotations

import contextlib
import functools
import uuid
from collections import OrderedDict

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from customers import selectors as customer_selectors
from customers.countries import country_codes, country_name
from customers.forms import CustomerDetailsForm
from jobs.csvfile import Column
from jobs.models import Job, JobRow
from partners import handover
from partners import services as partner_services
from partners.models import PartnershipRequest
from portal import ratelimit
from portal.audit import Verb
from portal.errors import ServiceError
from portal.sealing import seal
from subscriptions import selectors as subscription_selectors
from subscriptions.models import Offer, Subscription
from subscriptions.services import subscription_set_reseller, term_pair_for

# An import is one deliberate action: it is not held to the hourly limit of
# single requests, but to its own size, and each address still receives at
# most PARTNERSHIP_REQUEST_PER_RECIPIENT emails a day.
MAX_INVITES_PER_IMPORT = 1_000
RESULTS_SEALING_PURPOSE = "jobs.results-secret"

Problem = dict  # {"row": int, "column": str, "message": str}


def _problem(number: int, column: str, message) -> Problem:
    """A row's problem; ``column`` is the English heading, shown in the page's language."""
    if translation.get_language() == "ja":
        column = _JA_HEADINGS.get(column, column)
    return {"row": number, "column": column, "message": str(message)}


class _LocationLookup:
    """Check ID of the typed location partner IDs of a file, all of them in three queries."""

    def __init__(self, provider, rows):
        self.provider = provider
        self.cache = subscription_selectors.reseller_locations_check(
            provider=provider,
            location_partner_ids={
                values["reseller_location_id"]
                for _number, values in rows
                if values.get("reseller_location_id")
            },
        )

    def __call__(self, value: str):
        found = self.cache.get(value)
        if found is None:  # an empty cell, not looked up with the others
            found = subscription_selectors.reseller_locations_check(
                provider=self.provider, location_partner_ids=[value]
            )[value]
        if isinstance(found, ValidationError):
            raise found
        return found


# Invites ---------------------------------------------------------------------

INVITE_COLUMNS = [
    Column("email", "Email", "メールアドレス"),
    Column("language", "Language", "言語", required=False),
    Column("note", "Note", "メッセージ", required=False),
]


class _InviteRowForm(forms.Form):
    email = forms.EmailField(max_length=254)
    language = forms.ChoiceField(choices=[("", ""), *settings.LANGUAGES], required=False)
    note = forms.CharField(max_length=1000, required=False)


def _form_problems(number: int, form, columns) -> list[Problem]:
    labels = {c.key: c.en for c in columns}
    labels["domain_prefix"] = labels.get("primary_domain", "domain_prefix")
    return [
        _problem(number, labels.get(field, field), message)
        for field, messages in form.errors.items()
        for message in messages
    ]


def check_invites(*, org, rows) -> list[tuple[int, dict, list[Problem]]]:
    checked, seen = [], set()
    pending = set(
        PartnershipRequest.objects.for_org(org)
        .filter(status=PartnershipRequest.Status.PENDING, expires_at__gt=timezone.now())
        .values_list("email", flat=True)
    )
    for number, values in rows:
        form = _InviteRowForm(values)
        problems = [] if form.is_valid() else _form_problems(number, form, INVITE_COLUMNS)
        data = {}
        if not problems:
            email = partner_services.normalise_email(form.cleaned_data["email"])
            data = {**form.cleaned_data, "email": email}
            if email in seen:
                problems.append(
                    _problem(number, "Email", _("This address is already in the file."))
                )
            elif email in pending:
                problems.append(
                    _problem(number, "Email", _("A request to this address is already pending."))
                )
            seen.add(email)
        checked.append((number, data, problems))
    if len(checked) > MAX_INVITES_PER_IMPORT:
        from jobs.csvfile import CsvRefused

        raise CsvRefused(
            _("An import sends at most %(max)s invites. Split the file.")
            % {"max": f"{MAX_INVITES_PER_IMPORT:,}"}
        )
    return checked


def apply_invite(*, job: Job, row: JobRow):
    # The runner writes the row's outcome in the same transaction as the request
    # and its outbox email: a redelivered row was either wholly applied or not at all.
    data = row.data
    if not ratelimit.allow(ratelimit.PARTNERSHIP_REQUEST_PER_RECIPIENT, data["email"]):
        raise ServiceError(_("Too many emails were sent to this address. Try again tomorrow."))
    with translation.override(data.get("language") or translation.get_language()):
        prepared = partner_services.partnership_request_prepare(
            provider=job.organisation, actor=job.created_by, email=data["email"]
        )
        body = prepared.body
        if data.get("note"):
            body = data["note"].strip() + "\n\n" + body
        sent = partner_services.partnership_request_send(
            partnership_request=prepared.partnership_request,
            actor=job.created_by,
            token=prepared.token,
            body=body,
        )
    return JobRow.Outcome.APPLIED, _("Sent."), str(sent.uuid), ""


# Customers -------------------------------------------------------------------

CUSTOMER_COLUMNS = [
    Column("company_name", "Company name", "会社名"),
    Column("primary_domain", "Primary domain", "プライマリドメイン"),
    Column("street", "Street", "番地"),
    Column("city", "City", "市区町村"),
    Column("postal_code", "Postal code", "郵便番号"),
    Column("country", "Country", "国"),
    Column("contact_first_name", "Contact first name", "担当者の名"),
    Column("contact_last_name", "Contact last name", "担当者の姓"),
    Column("contact_email", "Contact email", "担当者のメールアドレス"),
    Column("contact_phone", "Contact phone", "担当者の電話番号", required=False),
    Column("language", "Language", "言語", required=False),
    Column(
        "reseller_location_id", "Reseller location ID", "リセラーのロケーションID", required=False
    ),
    Column("offer_sku", "Offer SKU", "オファーSKU", required=False),
    Column("term", "Term and billing", "期間と請求頻度", required=False),
    Column("licences", "Licences", "ライセンス数", required=False),
]


class _CustomerRowForm(CustomerDetailsForm):
    """The wizard's first step, without its per-row queries (domains and resellers are checked in bulk)."""

    reseller = None  # a location ID column instead, looked up once per distinct ID
    country = forms.CharField(label=_lazy("Country"), max_length=100)

    def __init__(self, *args, **kwargs):
        kwargs.pop("provider", None)
        forms.Form.__init__(self, *args, **kwargs)

    def bind(self, data) -> _CustomerRowForm:
        """The same form for the next row: 10,000 rows do not copy its fields 10,000 times."""
        self.data, self.is_bound, self._errors = data, True, None
        return self

    def clean_country(self):
        value = self.cleaned_data["country"].strip()
        country = _country_codes().get(value.upper()) or _country_codes().get(value.casefold())
        if country is None:
            raise forms.ValidationError(
                _("Enter the country's ISO code, such as JP or US, or its name.")
            )
        return country

    def clean_domain_prefix(self):
        import re

        from customers.models import DOMAIN_PREFIX_REGEX

        prefix = self.cleaned_data["domain_prefix"].strip().lower()
        suffix = "." + settings.CUSTOMER_DOMAIN_SUFFIX
        if prefix.endswith(suffix):
            prefix = prefix[: -len(suffix)]
        if not re.fullmatch(DOMAIN_PREFIX_REGEX, prefix):
            raise forms.ValidationError(
                _(
                    "Use 3 to 27 letters, digits or hyphens, starting and ending with a letter or digit."
                )
            )
        return prefix


@functools.cache
def _country_codes() -> dict[str, str]:
    """The ISO code of each way a file may write a country: its code (upper case) or its
    name in English or Japanese (case-folded)."""
    codes = {code: code for code in country_codes()}
    for language in ("en", "ja"):
        with translation.override(language):
            codes.update({country_name(code).casefold(): code for code in country_codes()})
    return codes


def _customer_line(number, values, offers, problems):
    sku = values.get("offer_sku", "")
    if not sku:
        return None
    offer = offers.get(sku.casefold())
    if offer is None:
        problems.append(_problem(number, "Offer SKU", _("No orderable offer has this SKU.")))
        return None
    try:
        quantity = int(values.get("licences") or offer.min_licences)
    except ValueError:
        problems.append(_problem(number, "Licences", _("Enter a whole number.")))
        return None
    if not offer.min_licences <= quantity <= offer.max_licences:
        problems.append(
            _problem(
                number,
                "Licences",
                _("Enter %(min)s to %(max)s licences.")
                % {"min": offer.min_licences, "max": offer.max_licences},
            )
        )
        return None
    try:
        term, frequency = term_pair_for(offer=offer, value=values.get("term", ""))
    except ServiceError as error:
        problems.append(_problem(number, "Term and billing", error.message))
        return None
    return [offer.pk, quantity, f"{term}/{frequency}"]


def check_customers(*, org, rows):
    offers = {o.sku.casefold(): o for o in customer_selectors.orderable_offers()}
    locations = _LocationLookup(org, rows)
    row_form = _CustomerRowForm()
    units: OrderedDict[str, list] = OrderedDict()  # domain -> [number, data, problems]
    checked = []
    for number, values in rows:
        form_data = {**values, "domain_prefix": values.get("primary_domain", "")}
        form_data.setdefault("language", "")
        form_data["language"] = form_data["language"] or translation.get_language()
        problems: list[Problem] = []
        prefix = (
            values.get("primary_domain", "")
            .strip()
            .lower()
            .removesuffix("." + settings.CUSTOMER_DOMAIN_SUFFIX)
        )
        unit = units.get(prefix) if prefix else None
        if unit is not None and not values.get("company_name"):
            # A further subscription of the customer of an earlier row.
            line = _customer_line(number, values, offers, unit[2])
            if line:
                unit[1]["lines"].append(line)
            continue
        if unit is not None:
            problems.append(
                _problem(number, "Primary domain", _("This domain is already in the file."))
            )
            checked.append([number, {}, problems])
            continue
        form = row_form.bind(form_data)
        valid = form.is_valid()
        if not valid:
            problems += _form_problems(number, form, CUSTOMER_COLUMNS)
        data = {}
        if valid:
            details = form.details()
            data = {
                "details": {k: getattr(details, k) for k in details.__dataclass_fields__},
                "reseller": None,
                "lines": [],
            }
            location_id = values.get("reseller_location_id", "")
            if location_id:
                try:
                    data["reseller"] = locations(location_id).organisation_id
                except ValidationError as error:
                    problems.append(_problem(number, "Reseller location ID", error.messages[0]))
        line = _customer_line(number, values, offers, problems)
        if line and data:
            data["lines"].append(line)
        entry = [number, data, problems]
        if prefix:
            units[prefix] = entry
        checked.append(entry)
    # Domains are unique across the programme: one query per thousand rows.
    domains = [e[1]["details"]["primary_domain"] for e in checked if e[1]]
    taken = set()
    for start in range(0, len(domains), 1000):
        taken |= {
            d.lower()
            for d in customer_selectors.Customer.objects.filter(
                primary_domain__in=domains[start : start + 1000]
            ).values_list("primary_domain", flat=True)
        }
    for entry in checked:
        if entry[1] and entry[1]["details"]["primary_domain"].lower() in taken:
            entry[2].append(
                _problem(
                    entry[0],
                    "Primary domain",
                    _("%(domain)s is already taken.")
                    % {"domain": entry[1]["details"]["primary_domain"]},
                )
            )
    return [tuple(e) for e in checked]


def apply_customer(*, job: Job, row: JobRow):
    """One row alone (the runner's way after a batch met a concurrent change): the wizard's
    ``customer_create``, which also tells a domain taken a moment ago from a redelivered row."""
    from customers.services import customer_create

    request = _customer_request(job, row, *_batch_lookups(job, [row]))
    created = customer_create(
        provider=job.organisation,
        actor=job.created_by,
        details=request.details,
        reseller=request.reseller,
        lines=request.lines,
        idempotency_key=request.idempotency_key,
        keep_setup_information=False,
    )
    return _customer_answer(created)


def _batch_lookups(job: Job, rows: list[JobRow]):
    from partners.models import Organisation

    reseller_ids = {row.data["reseller"] for row in rows if row.data["reseller"]}
    resellers = (
        Organisation.objects.for_org(job.organisation).in_bulk(reseller_ids) if reseller_ids else {}
    )
    offers = Offer.objects.prefetch_related("terms").in_bulk(
        {line[0] for row in rows for line in row.data["lines"]}
    )
    return resellers, offers


def _customer_request(job: Job, row: JobRow, resellers, offers):
    from customers.services import CustomerDetails, CustomerRequest

    return CustomerRequest(
        details=CustomerDetails(**row.data["details"]),
        reseller=resellers.get(row.data["reseller"]),
        lines=[(offers[o], q, t) for o, q, t in row.data["lines"]],
        # The same key for the same row: a redelivered row finds its customer.
        idempotency_key=uuid.uuid5(job.uuid, f"row-{row.number}"),
    )


def _customer_answer(created):
    if created.temporary_password is None:
        return JobRow.Outcome.ALREADY, _("Already created."), str(created.customer.uuid), ""
    customer = created.customer
    secret = seal(
        f"{customer.admin_username}\t{created.temporary_password}",
        purpose=RESULTS_SEALING_PURPOSE,
    )
    return JobRow.Outcome.APPLIED, _("Created."), str(customer.uuid), secret


def apply_customers(*, job: Job, rows: list[JobRow]) -> list:
    """A batch of rows through the wizard's service (``customers_create``), in its statements.

    One answer per row: ``(outcome, message, object id, secret)`` or the
    ServiceError that kept it from being created (nothing of it written).
    Offers and resellers are read once for the batch. The temporary password
    goes, sealed, into the results file only: an import keeps no setup
    information row (the results file is the one place it is shown).
    """
    from customers.services import customers_create

    resellers, offers = _batch_lookups(job, rows)
    requests = [_customer_request(job, row, resellers, offers) for row in rows]
    return [
        created if isinstance(created, ServiceError) else _customer_answer(created)
        for created in customers_create(
            provider=job.organisation, actor=job.created_by, requests=requests
        )
    ]


# Reseller reassignment -----------------------------------------------------------

REASSIGN_COLUMNS = [
    Column("subscription_id", "Subscription ID", "サブスクリプションID", required=False),
    Column("customer_domain", "Customer domain", "顧客のドメイン", required=False),
    Column("offer_sku", "Offer SKU", "オファーSKU", required=False),
    Column("reseller_location_id", "Reseller location ID", "リセラーのロケーションID"),
]


def check_reassignments(*, org, rows):
    locations = _LocationLookup(org, rows)
    subs = Subscription.objects.for_org(org)
    ids = []
    for _number, values in rows:
        with contextlib.suppress(ValueError):
            ids.append(uuid.UUID(values.get("subscription_id", "")))
    by_uuid = {}
    for start in range(0, len(ids), 1000):
        by_uuid.update(
            {str(s.uuid): s for s in subs.filter(uuid__in=ids[start : start + 1000]).only("uuid")}
        )
    checked = []
    for number, values in rows:
        problems, data = [], {}
        sub_id = values.get("subscription_id", "")
        sub = None
        if sub_id:
            sub = by_uuid.get(sub_id.lower())
            if sub is None:
                problems.append(_problem(number, "Subscription ID", _("No such subscription.")))
        elif values.get("customer_domain") and values.get("offer_sku"):
            matches = list(
                subs.filter(
                    customer__primary_domain__iexact=values["customer_domain"],
                    offer__sku__iexact=values["offer_sku"],
                ).only("uuid")[:2]
            )
            if len(matches) != 1:
                problems.append(
                    _problem(
                        number,
                        "Customer domain",
                        _("No such subscription.")
                        if not matches
                        else _(
                            "The customer has several subscriptions of this offer: give the subscription ID."
                        ),
                    )
                )
            else:
                sub = matches[0]
        else:
            problems.append(
                _problem(
                    number,
                    "Subscription ID",
                    _("Give the subscription ID, or the customer domain and the offer SKU."),
                )
            )
        location = None
        try:
            location = locations(values.get("reseller_location_id", ""))
        except ValidationError as error:
            problems.append(_problem(number, "Reseller location ID", error.messages[0]))
        if sub is not None and location is not None:
            data = {"subscription": str(sub.uuid), "location": location.pk}
        checked.append((number, data, problems))
    return checked


def apply_reassignment(*, job: Job, row: JobRow):
    from partners.models import PartnerLocation

    sub = Subscription.objects.for_org(job.organisation).get(uuid=row.data["subscription"])
    if sub.reseller_location_id == row.data["location"]:
        return JobRow.Outcome.ALREADY, _("This reseller is already credited."), str(sub.uuid), ""
    location = PartnerLocation.objects.get(pk=row.data["location"])
    subscription_set_reseller(
        subscription=sub,
        location=location,
        version=sub.version,
        org=job.organisation,
        actor=job.created_by,
    )
    return JobRow.Outcome.APPLIED, _("Reseller changed."), str(sub.uuid), ""


_JA_HEADINGS = {c.en: c.ja for c in INVITE_COLUMNS + CUSTOMER_COLUMNS + REASSIGN_COLUMNS}

KINDS = {
    Job.Kind.INVITES: (INVITE_COLUMNS, check_invites, apply_invite),
    Job.Kind.CUSTOMERS: (CUSTOMER_COLUMNS, check_customers, apply_customer),
    Job.Kind.REASSIGN: (REASSIGN_COLUMNS, check_reassignments, apply_reassignment),
    # Not an upload: planned on the Remove partnership page (partners.handover).
    Job.Kind.HANDOVER: ([], None, handover.apply_handover_row),
    Job.Kind.HANDOVER_UNDO: ([], None, handover.apply_undo_row),
}
# The event a finished job writes, when not "Import finished".
FINISHED_VERBS = {
    Job.Kind.HANDOVER: Verb.HANDOVER_FINISHED,
    Job.Kind.HANDOVER_UNDO: Verb.HANDOVER_UNDONE,
}

# Kinds that also apply a whole batch at once (``apply_many(job=, rows=)``, one
# answer per row: the ``apply`` tuple, or the ServiceError of a failed row). The
# runner uses it when a kind has one; ``apply`` stays the row-by-row way.
BATCH_APPLY = {
    Job.Kind.CUSTOMERS: apply_customers,
}

EXAMPLES = {
    Job.Kind.INVITES: ["reseller@example.com", "en", ""],
    Job.Kind.CUSTOMERS: [
        "Contoso",
        "contoso",
        "1 Main Street",
        "Seattle",
        "98052",
        "US",
        "Ada",
        "Lovelace",
        "ada@contoso.example",
        "",
        "en",
        "",
        "",
        "",
        "",
    ],
    Job.Kind.REASSIGN: ["", "contoso.onmicrosoft.example", "", ""],
}
