import django.utils.timezone
from django.db import migrations, models

from comptoir.system.indexes import drop_field_indexes


class Migration(migrations.Migration):
    dependencies = [
        ("inbox", "0007_leaner_write_indexes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="conversation",
                    name="last_message_at",
                    field=models.DateTimeField(default=django.utils.timezone.now),
                ),
            ],
            database_operations=[drop_field_indexes(("inbox_conversation", "last_message_at"))],
        ),
    ]
