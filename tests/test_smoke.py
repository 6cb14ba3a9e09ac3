from tests.base import PracticeTestCase


class SmokeTest(PracticeTestCase):
    def test_home_for_verified_counselor(self):
        self.sign_in(self.alice)
        r = self.client.get("/")
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, "Welcome, Alice")
