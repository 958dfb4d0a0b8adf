"""What `make package` leaves out of the zip (invoicing_cli/lambda_package.py): what the app never
reads, and nothing it does."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import pytest

from invoicing_cli.lambda_package import alias_id, invoke_through_alias, prune_zip, reason_to_drop

KEPT = [
    "app.py",
    "chalicelib/documents/fonts/DejaVuSans.ttf",
    "botocore/data/dynamodb/2012-08-10/service-2.json.gz",
    "botocore/data/s3/2006-03-01/endpoint-rule-set-1.json.gz",
    "botocore/data/endpoints.json",
    "botocore/data/partitions.json",
    "babel/locale-data/root.dat",
    "babel/locale-data/de_CH.dat",
    "babel/locale-data/sv.dat",
    "babel/global.dat",
    "pycountry/databases/iso3166-1.json",
    "swagger_ui_bundle/__init__.py",
    "swagger_ui_bundle/vendor/swagger-ui-5.31.0/swagger-ui-bundle.js",
    "swagger_ui_bundle/vendor/swagger-ui-5.31.0/swagger-ui.css",
    "fontTools/subset/__init__.py",
    "fontTools/misc/bezierTools.py",
    "PIL/_imaging.cpython-312-x86_64-linux-gnu.so",
    "PIL/_webp.cpython-312-x86_64-linux-gnu.so",
    "pillow.libs/libjpeg-6dc8d115.so.62.4.0",
    "email_validator/__init__.py",
]
DROPPED = [
    "botocore/data/ec2/2016-11-15/service-2.json.gz",
    "babel/locale-data/ja.dat",
    "pycountry/locales/de/LC_MESSAGES/iso3166-1.mo",
    "swagger_ui_bundle/vendor/swagger-ui-5.31.0/swagger-ui-bundle.js.map",
    "swagger_ui_bundle/vendor/swagger-ui-5.31.0/swagger-ui-es-bundle.js",
    "fontTools/cu2qu/cu2qu.py",
    "fontTools/misc/bezierTools.c",
    "fontTools/misc/bezierTools.cpython-312-x86_64-linux-gnu.so",
    "PIL/_avif.cpython-312-x86_64-linux-gnu.so",
    "pillow.libs/libavif-c6062d5f.so.16.4.2",
    "dns/resolver.py",
    "chalicelib/__pycache__/settings.cpython-312.pyc",
]


@pytest.mark.parametrize("name", KEPT)
def test_what_the_app_reads_stays(name: str) -> None:
    assert reason_to_drop(name) is None


@pytest.mark.parametrize("name", DROPPED)
def test_what_the_app_never_reads_goes(name: str) -> None:
    assert reason_to_drop(name) is not None


def test_pruning_keeps_entries_their_bytes_and_permissions(tmp_path: Path) -> None:
    path = tmp_path / "deployment.zip"
    executable = zipfile.ZipInfo("PIL/_imaging.cpython-312-x86_64-linux-gnu.so")
    executable.external_attr = 0o755 << 16
    with zipfile.ZipFile(path, "w") as deployment:
        deployment.writestr(executable, b"\x7fELF")
        deployment.writestr("babel/locale-data/ja.dat", b"x" * 100)
        deployment.writestr("app.py", b"app = None\n")
    report = prune_zip(path)
    with zipfile.ZipFile(path) as pruned:
        assert pruned.namelist() == [executable.filename, "app.py"]
        assert pruned.read("app.py") == b"app = None\n"
        assert pruned.getinfo(executable.filename).external_attr == executable.external_attr
    assert (report.kept_entries, report.dropped_bytes) == (2, 100)


def test_api_gateway_and_its_permission_are_pointed_at_the_alias() -> None:
    uri = "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/"
    integration = {"uri": {"Fn::Sub": uri + "${APIHandler.Arn}/invocations"}}
    template: dict[str, Any] = {
        "Resources": {
            "RestAPI": {
                "Properties": {
                    "DefinitionBody": {
                        "paths": {
                            "/health": {"get": {"x-amazon-apigateway-integration": integration}}
                        }
                    }
                }
            },
            "APIHandlerInvokePermission": {"Properties": {"FunctionName": {"Ref": "APIHandler"}}},
        }
    }
    assert invoke_through_alias(template) == 1
    assert integration["uri"]["Fn::Sub"] == uri + f"${{{alias_id()}}}/invocations"
    permission = template["Resources"]["APIHandlerInvokePermission"]["Properties"]
    assert permission == {"FunctionName": {"Ref": "APIHandlerAliaslive"}}
