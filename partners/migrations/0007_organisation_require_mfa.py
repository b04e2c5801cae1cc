from django.db import migrations, models


class Migration(migrations.Migration):
    """Require MFA: on for organisations created from now on; existing ones keep signing in
    as before until their Global admin turns it on (Users page)."""

    dependencies = [
        ("partners", "0006_partnership_request_any_address"),
    ]

    operations = [
        migrations.AddField(
            model_name="organisation",
            name="require_mfa",
            field=models.BooleanField(default=False, verbose_name="require MFA for all users"),
        ),
        migrations.AlterField(
            model_name="organisation",
            name="require_mfa",
            field=models.BooleanField(default=True, verbose_name="require MFA for all users"),
        ),
    ]
