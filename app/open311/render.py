"""Open311 GeoReport v2 documents: JSON as bare arrays, XML as the specification's element structure."""

from typing import Any
from xml.etree import ElementTree as ET

from fastapi.responses import JSONResponse, Response


def _xml_value(parent: ET.Element, key: str, value: Any) -> None:
    element = ET.SubElement(parent, key)
    if isinstance(value, dict):
        for k, v in value.items():
            _xml_value(element, k, v)
    elif isinstance(value, list):
        singular = {"attributes": "attribute", "values": "value", "keywords": None, "endpoints": "endpoint",
                    "formats": "format"}.get(key, "item")
        if singular is None:  # the spec gives keywords as one comma-separated element
            element.text = ",".join(str(v) for v in value)
            return
        for item in value:
            _xml_value(element, singular, item)
    elif value is None:
        return
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    else:
        element.text = str(value)


def xml_document(root: str, item: str | None, data: Any) -> bytes:
    top = ET.Element(root)
    if item is None:
        for k, v in data.items():
            _xml_value(top, k, v)
    else:
        for entry in data:
            node = ET.SubElement(top, item)
            for k, v in entry.items():
                _xml_value(node, k, v)
    return b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(top, encoding="utf-8")


def respond(fmt: str, data: Any, *, root: str, item: str | None, status: int = 200) -> Response:
    if fmt == "xml":
        return Response(xml_document(root, item, data), status_code=status, media_type="text/xml; charset=utf-8")
    return JSONResponse(data, status_code=status)


def error(fmt: str, status: int, description: str) -> Response:
    """The spec's error document: [{"code", "description"}] / <errors><error>…"""
    return errors(fmt, status, [description])


def errors(fmt: str, status: int, descriptions: list[str]) -> Response:
    """The spec's error document with one error per fault (a request may carry several)."""
    return respond(fmt, [{"code": status, "description": d} for d in descriptions], root="errors", item="error",
                   status=status)
