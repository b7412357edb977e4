from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies: list = []
    operations = [
        migrations.CreateModel(
            name="Member",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("username", models.CharField(max_length=50, unique=True)),
                ("email", models.EmailField(max_length=254)),
                ("age", models.IntegerField()),
                ("bio", models.TextField(default="")),
            ],
        ),
    ]
