from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo story, its vehicles and the demo logins (``manage.py load_demo``): the top layer,
    because it writes through every app below it and none of them needs it."""

    name = "demo"
    verbose_name = "Demo content"
