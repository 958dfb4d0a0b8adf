"""multipart/form-data bodies become text fields and exact bytes, or a clear 400, 413 or 415."""

from __future__ import annotations

import base64
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from chalice.app import Chalice, Request
from chalice.test import Client
from urllib3 import encode_multipart_formdata
from urllib3.fields import RequestField

from chalicelib.api.multipart import FRAMING_BYTES, Form, UploadedFile, parse_form
from chalicelib.api.problems import HttpError

BINARY = bytes(range(256)) * 4 + b"\r\n--not-a-boundary\r\n\x00"
PDF_TYPE = "application/pdf"


def _request(body: bytes, content_type: str | None, *, base64_encoded: bool = False) -> Request:
    """The Request Chalice builds from an API Gateway proxy event."""
    headers = {} if content_type is None else {"Content-Type": content_type}
    event: dict[str, Any] = {
        "multiValueQueryStringParameters": None,
        "headers": headers,
        "pathParameters": None,
        "requestContext": {"httpMethod": "POST", "resourcePath": "/uploads"},
        "stageVariables": None,
        "body": base64.b64encode(body).decode("ascii") if base64_encoded else body,
        "isBase64Encoded": base64_encoded,
    }
    return Request(event)


def _parse(
    body: bytes, content_type: str | None, max_files: int = 3, max_bytes: int = 4096
) -> Form:
    return parse_form(_request(body, content_type), max_files=max_files, max_bytes=max_bytes)


def _refusal(body: bytes, content_type: str | None, **limits: int) -> HttpError:
    with pytest.raises(HttpError) as caught:
        _parse(body, content_type, **limits)
    return caught.value


def _file_with_disposition(disposition: str, data: bytes = b"%PDF-1.4") -> RequestField:
    field = RequestField(name="attachment", data=data)
    field.make_multipart(content_disposition=disposition, content_type=PDF_TYPE)
    return field


def test_text_fields_and_files_come_back_exactly_as_sent() -> None:
    body, content_type = encode_multipart_formdata(
        [
            ("note", "Zahlbar in 14 Tagen, danke Zoë €"),
            ("attachment", ("Rechnung Zoë.pdf", BINARY, PDF_TYPE)),
            ("attachment", ("Anlage.csv", b"a;b\n1;2\n", "text/csv")),
        ]
    )

    form = _parse(body, content_type)

    assert dict(form.fields) == {"note": "Zahlbar in 14 Tagen, danke Zoë €"}
    assert form.files == (
        UploadedFile("attachment", "Rechnung Zoë.pdf", PDF_TYPE, BINARY),
        UploadedFile("attachment", "Anlage.csv", "text/csv", b"a;b\n1;2\n"),
    )


def test_a_base64_encoded_body_from_api_gateway_reads_the_same() -> None:
    body, content_type = encode_multipart_formdata({"file": ("a.pdf", BINARY, PDF_TYPE)})
    request = _request(body, content_type, base64_encoded=True)

    form = parse_form(request, max_files=1, max_bytes=4096)

    assert form.files[0].data == BINARY


def test_a_file_without_a_content_type_has_none() -> None:
    field = RequestField(name="file", data=b"hello", filename="notiz.txt")
    field.make_multipart()
    body, content_type = encode_multipart_formdata([field])

    assert _parse(body, content_type).files[0].content_type is None


def test_an_rfc_2231_filename_is_decoded() -> None:
    field = _file_with_disposition("form-data; filename*=UTF-8''Rechnung%20Zo%C3%AB.pdf")
    body, content_type = encode_multipart_formdata([field])

    assert _parse(body, content_type).files[0].filename == "Rechnung Zoë.pdf"


def test_an_rfc_2231_filename_wins_over_the_plain_one() -> None:
    disposition = (
        "form-data; filename=\"Rechnung Zo?.pdf\"; filename*=utf-8''Rechnung%20Zo%C3%AB.pdf"
    )
    body, content_type = encode_multipart_formdata([_file_with_disposition(disposition)])

    assert _parse(body, content_type).files[0].filename == "Rechnung Zoë.pdf"


def test_an_rfc_2231_filename_in_latin1_is_decoded() -> None:
    field = _file_with_disposition("form-data; filename*=iso-8859-1''Zo%EB.pdf")
    body, content_type = encode_multipart_formdata([field])

    assert _parse(body, content_type).files[0].filename == "Zoë.pdf"


@pytest.mark.parametrize(
    "disposition",
    [
        "form-data; filename*=koi8-r''%F3%DE%C5%D4.pdf",
        "form-data; filename*=utf-8''%FF%FE.pdf",
        "form-data; filename*1=a; filename*=utf-8''b.pdf",
    ],
)
def test_an_unreadable_rfc_2231_filename_is_a_400(disposition: str) -> None:
    body, content_type = encode_multipart_formdata([_file_with_disposition(disposition)])

    assert _refusal(body, content_type).status == 400


def test_an_empty_file_input_is_skipped_as_no_file_chosen() -> None:
    body, content_type = encode_multipart_formdata(
        [("note", "hallo"), ("attachment", ("", b"", "application/octet-stream"))]
    )

    form = _parse(body, content_type)

    assert (dict(form.fields), form.files) == ({"note": "hallo"}, ())


def test_a_repeated_text_field_is_a_400_naming_it() -> None:
    body, content_type = encode_multipart_formdata([("note", "a"), ("note", "b")])

    error = _refusal(body, content_type)

    assert error.status == 400
    assert [(p.field, p.message) for p in error.problems] == [("note", "is sent more than once")]


def test_a_text_field_that_is_not_utf8_is_a_400() -> None:
    body, content_type = encode_multipart_formdata([("note", "Zoë".encode("latin-1"))])

    error = _refusal(body, content_type)

    assert (error.status, error.problems[0].field) == (400, "note")


@pytest.mark.parametrize(
    "content_type", ["application/json", "multipart/mixed; boundary=x", "text/plain", None]
)
def test_a_body_that_is_not_multipart_form_data_is_a_415(content_type: str | None) -> None:
    body, _ = encode_multipart_formdata({"note": "hallo"})

    error = _refusal(body, content_type)

    assert error.status == 415
    assert "multipart/form-data" in error.detail


def test_a_content_type_without_a_boundary_is_a_400() -> None:
    body, _ = encode_multipart_formdata({"note": "hallo"})

    error = _refusal(body, "multipart/form-data")

    assert (error.status, error.problems[0].field) == (400, "Content-Type")
    assert "boundary" in error.detail


def test_the_content_type_is_read_case_insensitively_with_a_quoted_boundary() -> None:
    body, content_type = encode_multipart_formdata({"note": "hallo"}, boundary="B0und4ry")

    assert content_type == "multipart/form-data; boundary=B0und4ry"
    assert dict(_parse(body, 'Multipart/Form-Data; boundary="B0und4ry"').fields) == {
        "note": "hallo"
    }


@pytest.mark.parametrize("cut", [3, 10, 40])
def test_a_truncated_body_is_a_400(cut: int) -> None:
    body, content_type = encode_multipart_formdata({"file": ("a.pdf", BINARY, PDF_TYPE)})

    error = _refusal(body[:-cut], content_type)

    assert error.status == 400
    assert "closing multipart boundary" in error.detail


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not multipart at all",
        b"--other\r\nContent-Disposition: form-data; name=a\r\n\r\nx\r\n--other--\r\n",
        b"--B\r\nContent-Disposition form-data\r\n\r\nx\r\n--B--\r\n",
        b"--B\r\nContent-Disposition: attachment; name=a\r\n\r\nx\r\n--B--\r\n",
        b"--B\r\nContent-Type: text/plain\r\n\r\nx\r\n--B--\r\n",
        b"--B\r\nContent-Disposition: form-data; name=a\r\nContent-Disposition: form-data; name=b"
        b"\r\n\r\nx\r\n--B--\r\n",
        b"--B\r\nContent-Disposition: form-data; name=a\r\nContent-Transfer-Encoding: base64"
        b"\r\n\r\neA==\r\n--B--\r\n",
        b'--B\r\nContent-Disposition: form-data; name="\xff"\r\n\r\nx\r\n--B--\r\n',
        b'--B\r\nContent-Disposition: form-data; name=a; filename="\xff.pdf"\r\n\r\nx\r\n--B--\r\n',
        b"--B\r\n" + b"X-Long: " + b"a" * 5000 + b"\r\n\r\nx\r\n--B--\r\n",
    ],
)
def test_malformed_bodies_and_part_headers_are_a_400(body: bytes) -> None:
    error = _refusal(body, "multipart/form-data; boundary=B")

    assert error.status == 400
    assert error.problems[0].field == "body"


def test_an_overlong_boundary_is_a_400() -> None:
    boundary = "b" * 300
    body, content_type = encode_multipart_formdata({"note": "x"}, boundary=boundary)

    assert _refusal(body, content_type).status == 400


def test_more_files_than_allowed_is_a_400() -> None:
    body, content_type = encode_multipart_formdata(
        [("file", (f"{n}.pdf", b"%PDF", PDF_TYPE)) for n in range(3)]
    )

    error = _refusal(body, content_type, max_files=2)

    assert error.status == 400
    assert [(p.field, p.message) for p in error.problems] == [
        ("file", "holds more files than the 2 allowed")
    ]


def test_a_file_of_exactly_max_bytes_is_read_and_one_byte_more_is_a_413() -> None:
    fits, content_type = encode_multipart_formdata({"file": ("a.pdf", b"x" * 100, PDF_TYPE)})
    too_big, too_big_type = encode_multipart_formdata({"file": ("a.pdf", b"x" * 101, PDF_TYPE)})

    assert len(_parse(fits, content_type, max_bytes=100).files[0].data) == 100
    error = _refusal(too_big, too_big_type, max_bytes=100)
    assert error.status == 413
    assert "'a.pdf'" in error.detail
    assert "100 bytes" in error.detail


def test_a_text_field_over_max_bytes_is_a_413() -> None:
    body, content_type = encode_multipart_formdata({"note": "x" * 101})

    error = _refusal(body, content_type, max_bytes=100)

    assert error.status == 413
    assert "'note'" in error.detail


def test_a_body_over_its_bound_is_a_413_before_parsing() -> None:
    limit = 2 * 100 + FRAMING_BYTES
    body = b"x" * (limit + 1)

    error = _refusal(body, "multipart/form-data; boundary=B", max_files=2, max_bytes=100)

    assert error.status == 413
    assert str(limit) in error.detail


def test_a_chalice_view_reads_an_upload_through_the_test_client(tmp_path: Path) -> None:
    app = Chalice(app_name="multipart-test")

    @app.route("/uploads", methods=["POST"], content_types=["multipart/form-data"])
    def add_upload() -> dict[str, Any]:
        assert app.current_request is not None
        form = parse_form(app.current_request, max_files=1, max_bytes=4096)
        file = form.files[0]
        return {"name": file.filename, "same": file.data == BINARY, "note": form.fields["note"]}

    body, content_type = encode_multipart_formdata(
        [("note", "Zoë"), ("file", ("Rechnung Zoë.pdf", BINARY, PDF_TYPE))]
    )
    with Client(app, project_dir=str(tmp_path)) as client:
        response = client.http.post("/uploads", headers={"Content-Type": content_type}, body=body)

    assert response.status_code == 200
    assert response.json_body == {"name": "Rechnung Zoë.pdf", "same": True, "note": "Zoë"}


def test_importing_the_module_does_not_load_python_multipart() -> None:
    code = "import sys, chalicelib.api.multipart; assert 'python_multipart' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
