"""test_console_i18n.py -- the console's labels: every language file
(src/web/i18n/{ar,fr,en}.json) holds the same keys once each, none empty, and every
key the pages name literally (t('key') in src/web/*.js) is in them, so no
page shows a bare key in any language. Standard library only (plus pytest)."""

import json
import pathlib
import re

WEB = pathlib.Path(__file__).resolve().parents[2] / "src" / "web"
LANGUAGES = ("ar", "fr", "en")


def labels(lang):
    return json.loads((WEB / "i18n" / f"{lang}.json").read_text(encoding="utf-8"))


def test_no_label_is_given_twice():
    # json.loads keeps the last of two equal keys silently; merges make them.
    for lang in LANGUAGES:
        pairs = json.loads((WEB / "i18n" / f"{lang}.json").read_text(encoding="utf-8"),
                           object_pairs_hook=lambda p: p)
        keys = [k for k, _ in pairs]
        assert len(keys) == len(set(keys)), (lang, sorted({k for k in keys if keys.count(k) > 1}))


def test_every_language_has_every_label():
    keys = {lang: set(labels(lang)) for lang in LANGUAGES}
    for lang in LANGUAGES:
        assert keys[lang] == keys["fr"], (lang, sorted(keys[lang] ^ keys["fr"]))
        assert not [k for k, v in labels(lang).items() if not v.strip()], lang


def test_every_label_the_pages_name_exists():
    used = set()
    for js in WEB.glob("*.js"):
        used |= set(re.findall(r"(?<![\w.])t\('([a-z0-9_.]+)'", js.read_text(encoding="utf-8")))
    assert len(used) > 100  # the pattern found the pages' labels
    missing = sorted(used - set(labels("fr")))
    assert not missing, missing
