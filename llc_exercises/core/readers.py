"""Reading the YAML files people write by hand (cohort files, guide agendas): one reader per kind of
entry, each failing with the file's own error class and a message naming the place and the fix."""
from __future__ import annotations


def text_field(raw: dict, key: str, where: str, error: type[Exception], required: bool = False) -> str:
    """``raw[key]`` as stripped text; '' when absent or blank (an error when ``required``). A list or
    block where text belongs is almost always an unquoted ': ', so the message says to quote it."""
    value = raw.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise error(f"{where}: '{key}' is missing; add a line `{key}: …`.")
        return ""
    if isinstance(value, (dict, list)):
        raise error(f"{where}: '{key}' should be text, not a list or a block; if the text contains "
                    "': ' (a colon and a space), put it all in double quotes.")
    return str(value).strip()
