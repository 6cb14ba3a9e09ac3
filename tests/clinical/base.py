from clinical import services
from tests.consent.base import ConsentTestCase


class ClinicalTestCase(ConsentTestCase):
    """alice cares for `rec` (claire's record), supervised by sam; bob cares for `other`."""

    def diagnose(self, code="F41.1", kind="primary", **kwargs):
        return services.diagnosis_add(
            actor=self.alice, record_number=self.rec.record_number, code=code, kind=kind, **kwargs
        )
