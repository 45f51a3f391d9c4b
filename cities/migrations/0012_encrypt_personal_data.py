"""Users' e-mail addresses and telephone numbers stored SM4-encrypted (密评): the columns widen, then every plain
value is encrypted under FIELD_ENCRYPTION_KEY. Uses the cipher helper (ipcity.sm4), not the model field, so it
stays valid whatever the field becomes; reversing it writes the values back in plain text first."""

from django.db import migrations

import ipcity.fieldcrypto
from ipcity import sm4

COLUMNS = ["email", "phone"]


def encrypt(apps, schema_editor):
    sm4.recrypt_columns(schema_editor.connection, table="cities_user", pk="id", columns=COLUMNS,
                        keyring=sm4.configured_keyring())


def decrypt(apps, schema_editor):
    sm4.recrypt_columns(schema_editor.connection, table="cities_user", pk="id", columns=COLUMNS,
                        keyring=sm4.configured_keyring(), decrypt=True)


class Migration(migrations.Migration):

    dependencies = [
        ("cities", "0011_audit_purge_gate"),
    ]

    operations = [
        migrations.AlterField(
            model_name="user",
            name="email",
            field=ipcity.fieldcrypto.EncryptedEmailField(blank=True, max_length=254, verbose_name="email address"),
        ),
        migrations.AlterField(
            model_name="user",
            name="phone",
            field=ipcity.fieldcrypto.EncryptedCharField(blank=True, max_length=40, verbose_name="telephone"),
        ),
        migrations.RunPython(encrypt, decrypt, elidable=False),
    ]
