from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("publishing", "0002_thread_pages"),
    ]

    operations = [
        migrations.AddField(
            model_name="post",
            name="password",
            field=models.CharField(
                blank=True,
                max_length=255,
                help_text=(
                    "Readers must enter this to see the body, excerpt and comments. "
                    "Leave empty for an open post."
                ),
            ),
        ),
    ]
