import time
from tests.dynamodb_local import LocalTable
def test_fails(ddb_local: LocalTable) -> None:
    time.sleep(3)
    raise AssertionError("boom")
