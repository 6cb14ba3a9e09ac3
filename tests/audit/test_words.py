"""Every action code the code base writes has words on the review pages.

The codes are found by reading the source (not by asking audit.words): every string
literal shaped like a code (`chart.view`) in an action namespace, and every code built
at run time (f"note.{purpose}", "emergency." + ...), in the product's Python files.
"""

import ast
import importlib.util
import re
from pathlib import Path

from django.conf import settings
from django.test import SimpleTestCase

from audit import words

ROOT = Path(settings.BASE_DIR)
CODE = re.compile(r"^[a-z][a-z0-9_]*\.[a-z0-9_]+$")
SKIP_DIRS = {".venv", "tests", "bench", "migrations", "node_modules", "test-artifacts", ".git"}
# Calls whose string arguments are dotted names but not audit actions.
NOT_ACTION_CALLS = {"audit_digest", "getLogger", "include", "import_module", "get_model", "reverse"}


def _source_files():
    for path in ROOT.rglob("*.py"):
        if not SKIP_DIRS.intersection(path.relative_to(ROOT).parts):
            yield path


def _call_name(node: ast.Call) -> str:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _prefix_of_built(node) -> str | None:
    """`note.` of f"note.{purpose}" or "emergency." + action."""
    if isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant):
        head = str(node.values[0].value)
    elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add) and isinstance(node.left, ast.Constant):
        head = str(node.left.value)
    else:
        return None
    return head if re.match(r"^[a-z][a-z0-9_]*\.$", head) else None


def scan():
    """(literal codes {code: files}, codes passed as action= {code}, built prefixes {prefix: files})."""
    literals: dict[str, set[str]] = {}
    keyword_actions: set[str] = set()
    built: dict[str, set[str]] = {}
    for path in _source_files():
        tree = ast.parse(path.read_text(), filename=str(path))
        excluded: set[int] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _call_name(node) in NOT_ACTION_CALLS:
                excluded.update(id(arg) for arg in node.args)
            # CODE-shaped only: not argparse's action="store_true".
            if (
                isinstance(node, ast.keyword)
                and node.arg == "action"
                and isinstance(node.value, ast.Constant)
                and CODE.match(str(node.value.value))
            ):
                keyword_actions.add(node.value.value)
        for node in ast.walk(tree):
            where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', '?')}"
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in excluded
                and CODE.match(node.value)
            ):
                literals.setdefault(node.value, set()).add(where)
            prefix = _prefix_of_built(node)
            if prefix is not None:
                built.setdefault(prefix, set()).add(where)
    return literals, keyword_actions, built


def _is_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


class EveryActionHasWordsTest(SimpleTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.literals, cls.keyword_actions, cls.built = scan()
        # The action namespaces: those of every code passed as action=, and of every
        # code that has words (a code is often passed positionally, to refuse() or a
        # require_*() helper; its namespace is known from its siblings).
        cls.namespaces = {code.split(".")[0] for code in cls.keyword_actions | set(words.ACTION_WORDS)}

    def test_the_scan_finds_codes_it_must(self):
        # Guards the scanner itself: codes written positionally, by keyword, and built.
        for code in ("auth.2fa_verify", "staff.list", "chart.view", "disclosure.compose", "request.refused"):
            self.assertIn(code, self.literals)
        self.assertIn("audit.view", self.keyword_actions)
        self.assertTrue({"note.", "emergency.", "copy."} <= set(self.built))

    def test_every_code_in_the_source_has_words(self):
        candidates = {
            code for code in self.literals if code.split(".")[0] in self.namespaces and not _is_module(code)
        } | self.keyword_actions
        missing = sorted(
            f"{code} ({', '.join(sorted(self.literals.get(code, {'action='})))})"
            for code in candidates
            if words.base_words(code) is None and code not in words.FIXED_WORDS
        )
        self.assertEqual(missing, [], "add a phrase for each to audit/words.py ACTION_WORDS")

    def test_every_code_built_at_run_time_is_a_listed_family_with_words(self):
        unlisted = sorted(f"{p} ({', '.join(sorted(w))})" for p, w in self.built.items() if p not in words.FAMILIES)
        self.assertEqual(unlisted, [], "list the family and its members in audit/words.py FAMILIES")
        for prefix, members in words.FAMILIES.items():
            for member in members:
                with self.subTest(code=prefix + member):
                    self.assertIsNotNone(words.base_words(prefix + member))

    def test_every_phrase_starts_with_a_verb_it_can_put_in_the_past(self):
        for code, phrase in words.ACTION_WORDS.items():
            with self.subTest(code=code):
                verb = phrase.split(" ")[0]
                self.assertTrue(verb in words._PAST, f"{code}: add the past tense of {verb!r} to audit/words.py _PAST")


class DescribeTest(SimpleTestCase):
    """Against sentences written out here."""

    def test_words_for_what_happened_and_for_refusals(self):
        cases = [
            ("chart.view", "allowed", "Opened a client's chart"),
            ("chart.view", "denied", "Tried to open a client's chart (refused)"),
            ("auth.2fa_verify", "allowed", "Entered a two-factor code"),
            ("pnote.view", "allowed", "Read a psychotherapy note"),
            ("disclosure.compose", "allowed", "Opened the form to share records"),
            ("authorization.compose", "allowed", "Opened the form for a release authorization"),
            ("staff.role_change", "allowed", "Changed a staff member's role"),
            ("emergency.chart_view", "allowed", "Opened a client's chart with emergency access"),
            ("emergency.note_print", "allowed", "Printed a session note with emergency access"),
            ("key_rotation.error", "error", "Tried to rotate the encryption key (it failed)"),
            ("auth.lockout", "denied", "Sign-in locked after too many failures"),
            ("retention.dispose_withdraw", "allowed", "Withdrew a proposed disposal"),
        ]
        for action, outcome, expected in cases:
            with self.subTest(action=action, outcome=outcome):
                self.assertEqual(words.describe(action, outcome), expected)

    def test_an_unknown_code_is_shown_rather_than_lost(self):
        self.assertEqual(
            words.describe("nothing.known", "allowed"),
            "Did something the review pages have no words for (nothing.known)",
        )


class ReasonWordsTest(SimpleTestCase):
    def test_role_codes_in_a_reason_read_as_words(self):
        self.assertEqual(
            words.reason_words("role counselor -> practice_admin granted=0 revoked=2"),
            "role counselor -> practice admin granted=0 revoked=2",
        )
        self.assertEqual(words.reason_words("kind=co_therapist"), "kind=co-therapist")
        self.assertEqual(words.reason_words(""), "")
