from django.db import migrations


def create_head(apps, schema_editor):
    apps.get_model("record", "RecordHead").objects.get_or_create(id=1, defaults={"size": 0})


class Migration(migrations.Migration):
    dependencies = [("record", "0002_tiles_checkpoints")]
    operations = [migrations.RunPython(create_head, migrations.RunPython.noop)]
