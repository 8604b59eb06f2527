from django.db import migrations, models


class Migration(migrations.Migration):
    """Raw-card retention counts from when the content was last seen, not first stored."""

    dependencies = [
        ("recruit", "0001_initial"),
    ]

    operations = [
        migrations.RenameField(model_name="rawcard", old_name="created_at", new_name="seen_at"),
        migrations.AlterField(
            model_name="rawcard",
            name="seen_at",
            field=models.DateTimeField(auto_now=True, db_index=True, verbose_name="最近出现"),
        ),
    ]
