"""Countries are chosen from django-countries' list and stored as ISO codes; stored values
that are not (a lower-case code, UK for GB) become theirs."""

import customers.countries
from django.db import migrations, models

MODELS = [("customers", "Customer")]

# Codes entered before the country list (enrolment took any two letters): in lower case,
# or the common non-ISO codes for the United Kingdom and Greece.
ALIASES = {"UK": "GB", "EL": "GR"}


def iso_codes(apps, schema_editor):
    """Store every country as its ISO 3166-1 alpha-2 code; a value that names none is left."""
    from django_countries import countries

    codes = set(countries.countries)
    for app_label, model_name in MODELS:
        model = apps.get_model(app_label, model_name)
        stored = model.objects.exclude(country__in=codes).values_list("country", flat=True)
        for value in set(stored):
            code = value.strip().upper()
            code = ALIASES.get(code, code)
            if code in codes:
                model.objects.filter(country=value).update(country=code)


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0009_sort_indexes"),
    ]

    operations = [
        migrations.RunPython(iso_codes, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="customer",
            name="country",
            field=models.CharField(
                choices=customers.countries.country_choices, max_length=2, verbose_name="country"
            ),
        ),
    ]
