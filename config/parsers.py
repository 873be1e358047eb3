"""Request text PostgreSQL cannot store is refused at the door as a 400, not found out as a 500.

A NUL character or a lone UTF-16 surrogate (both valid JSON escapes, ``\\u0000`` and ``\\udafd``)
would otherwise travel through validation into a query, where psycopg refuses it.
"""

from rest_framework.exceptions import ParseError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser

UNSTORABLE = "请求内容包含无法保存的字符（NUL 或无效的 Unicode 字符）"


def storable(value) -> bool:
    if isinstance(value, str):
        if "\x00" in value:
            return False
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return True
    if isinstance(value, dict):
        return all(storable(k) and storable(v) for k, v in value.items())
    if isinstance(value, list):
        return all(storable(item) for item in value)
    if hasattr(value, "lists"):  # a QueryDict of form fields
        return all(storable(key) and storable(values) for key, values in value.lists())
    return True


class StorableJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
            fits = storable(data)
        except RecursionError as exc:  # [[[[…]]]] nested past what a parser can follow
            raise ParseError("JSON 嵌套层级过深") from exc
        if not fits:
            raise ParseError(UNSTORABLE)
        return data


class StorableFormParser(FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        if not storable(data):
            raise ParseError(UNSTORABLE)
        return data


class StorableMultiPartParser(MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        parsed = super().parse(stream, media_type, parser_context)
        if not storable(parsed.data):
            raise ParseError(UNSTORABLE)
        return parsed
