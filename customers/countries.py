"""The countries a customer can be based in (ISO 3166-1 alpha-2 codes), with translated names."""

from django.utils.translation import gettext_lazy as _

COUNTRIES = [
    ("AU", _("Australia")),
    ("AT", _("Austria")),
    ("BE", _("Belgium")),
    ("BR", _("Brazil")),
    ("CA", _("Canada")),
    ("CN", _("China")),
    ("DK", _("Denmark")),
    ("FI", _("Finland")),
    ("FR", _("France")),
    ("DE", _("Germany")),
    ("HK", _("Hong Kong")),
    ("IN", _("India")),
    ("ID", _("Indonesia")),
    ("IE", _("Ireland")),
    ("IT", _("Italy")),
    ("JP", _("Japan")),
    ("KR", _("South Korea")),
    ("MY", _("Malaysia")),
    ("MX", _("Mexico")),
    ("NL", _("Netherlands")),
    ("NZ", _("New Zealand")),
    ("NO", _("Norway")),
    ("PH", _("Philippines")),
    ("PL", _("Poland")),
    ("PT", _("Portugal")),
    ("SG", _("Singapore")),
    ("ES", _("Spain")),
    ("SE", _("Sweden")),
    ("CH", _("Switzerland")),
    ("TW", _("Taiwan")),
    ("TH", _("Thailand")),
    ("GB", _("United Kingdom")),
    ("US", _("United States")),
    ("VN", _("Vietnam")),
]

COUNTRY_NAMES = dict(COUNTRIES)


def country_choices():
    """The countries sorted by their name in the active language."""
    return sorted(COUNTRIES, key=lambda choice: str(choice[1]))


def country_name(code: str) -> str:
    """The translated name of a country code (the code itself when unknown)."""
    return str(COUNTRY_NAMES.get(code, code))
