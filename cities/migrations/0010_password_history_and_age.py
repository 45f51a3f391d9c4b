
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def start_the_clock_now(apps, schema_editor):
    """Existing passwords count from the upgrade: nobody is expired by it."""
    User = apps.get_model("cities", "User")
    User.objects.exclude(password="").exclude(password__startswith="!").update(password_changed_at=django.utils.timezone.now())


class Migration(migrations.Migration):

    dependencies = [
        ('cities', '0009_three_admin_separation'),
    ]

    operations = [
        migrations.AddField(
            model_name='user',
            name='password_changed_at',
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name='password changed at'),
        ),
        migrations.CreateModel(
            name='PasswordHistory',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('password', models.CharField(max_length=128, verbose_name='password')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='created at')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='password_history', to=settings.AUTH_USER_MODEL, verbose_name='user')),
            ],
            options={
                'verbose_name': 'former password',
                'verbose_name_plural': 'former passwords',
                'indexes': [models.Index(fields=['user', '-created_at'], name='password_history_user_newest')],
            },
        ),
        migrations.RunPython(start_the_clock_now, migrations.RunPython.noop),
    ]
