from django.apps import AppConfig


class ClinicalConfig(AppConfig):
    """The structured clinical record beside the session notes: diagnoses (ICD-10-CM),
    treatment plans, and the PHQ-9 and GAD-7 questionnaires."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "clinical"
    verbose_name = "Clinical record"
