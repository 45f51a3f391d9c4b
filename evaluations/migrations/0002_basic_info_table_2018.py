"""Every installation starts with the basic-information table of the 2018 notice (S1 附件3)."""

from django.db import migrations


def load(apps, schema_editor):
    from evaluations.basic_info import TEMPLATE_SOURCE, TEMPLATE_TITLE, catalog_rows

    IndicatorTemplate = apps.get_model("evaluations", "IndicatorTemplate")
    Indicator = apps.get_model("evaluations", "Indicator")
    template, created = IndicatorTemplate.objects.get_or_create(
        code="2018", defaults={"title": TEMPLATE_TITLE, "source": TEMPLATE_SOURCE})
    if created:
        Indicator.objects.bulk_create(Indicator(template=template, **row) for row in catalog_rows())


class Migration(migrations.Migration):
    dependencies = [("evaluations", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
