from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("subscriptions", "0005_subscription_terms_data")]

    operations = [
        migrations.AlterField(
            model_name="subscription",
            name="term_start",
            field=models.DateTimeField(verbose_name="term start"),
        ),
        migrations.AlterField(
            model_name="subscription",
            name="term_end",
            field=models.DateTimeField(verbose_name="term end"),
        ),
    ]
