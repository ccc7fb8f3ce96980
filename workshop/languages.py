"""The interface languages we ship, and which of them are written right to left."""

from __future__ import annotations

LANGUAGES: tuple[str, ...] = ("en", "de", "es", "fr", "ar")
DEFAULT_LANGUAGE = "en"
RIGHT_TO_LEFT = frozenset({"ar"})
# Each language's own name, for language switches (a reader finds their language by its own name).
LANGUAGE_NAMES: dict[str, str] = {"en": "English", "de": "Deutsch", "es": "Español", "fr": "Français",
                                  "ar": "العربية"}


def text_direction(lang: str) -> str:
    """`rtl` for a right-to-left language, else `ltr`: the value of `<html dir>`."""
    return "rtl" if lang in RIGHT_TO_LEFT else "ltr"


def supported(lang: object) -> str | None:
    """The language code if we ship it (case and region ignored: `de-AT` -> `de`), else None."""
    if not isinstance(lang, str):
        return None
    code = lang.strip().lower().replace("_", "-").split("-")[0]
    return code if code in LANGUAGES else None
