from django.db import models


class Member(models.Model):
    username = models.CharField(max_length=50, unique=True)
    email = models.EmailField()
    age = models.IntegerField()
    bio = models.TextField(default="")  # not serialized: /users must not read it
