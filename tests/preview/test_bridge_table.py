"""The table of policy-document properties matches the installed pulumi-aws SDK."""

import re
from pathlib import Path

import pulumi_aws

from mlwarden.bridge import POLICY_DOCUMENT_PROPERTIES, check_document, check_inputs
from mlwarden_rules.values import SECRET_SIG, SIG_KEY, UNKNOWN_STRING


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.capitalize() for p in rest)


def _generated_table() -> dict[str, tuple[str, ...]]:
    """Resource type → properties typed ``Union[str, PolicyDocumentArgs]`` in the SDK's *Args classes."""
    table: dict[str, tuple[str, ...]] = {}
    root = Path(pulumi_aws.__file__).parent
    for path in sorted(root.glob("*/*.py")):
        if path.name.startswith("_") or path.name.startswith("get_"):
            continue
        source = path.read_text()
        token = re.search(r"super\(\w+, __self__\).__init__\(\s*'(aws:[^']+)'", source)
        args_class = re.search(r"class \w+Args:\n(.*?)\n(?:@pulumi.input_type|class )", source, re.S)
        if not token or not args_class:
            continue
        init = re.search(r"def __init__\(__self__, \*,(.*?)\):", args_class.group(1), re.S)
        if init is None:
            continue
        props = re.findall(r"(\w+): (?:Optional\[)?pulumi\.Input\[[^\n]*PolicyDocument", init.group(1))
        if props:
            table[token.group(1)] = tuple(_camel(p) for p in props)
    return table


def test_table_lists_exactly_the_sdks_policy_document_properties() -> None:
    assert dict(POLICY_DOCUMENT_PROPERTIES) == _generated_table()


def test_known_document_becomes_compact_sorted_json() -> None:
    assert check_document({"b": 1, "a": [1, 2]}) == '{"a":[1,2],"b":1}'


def test_document_with_unknown_becomes_unknown() -> None:
    assert check_document({"Statement": [{"Resource": UNKNOWN_STRING}]}) == UNKNOWN_STRING


def test_string_document_passes_through() -> None:
    assert check_document('{"Statement": []}') == '{"Statement": []}'


def test_document_with_a_secret_becomes_a_secret_string() -> None:
    checked = check_document({"Statement": [{"Sid": {SIG_KEY: SECRET_SIG, "value": "s"}}]})
    assert checked == {SIG_KEY: SECRET_SIG, "value": '{"Statement":[{"Sid":"s"}]}'}


def test_only_document_properties_are_transformed() -> None:
    inputs = {"policy": {"Statement": []}, "bucket": {"not": "a document"}}
    checked = check_inputs("aws:s3/bucketPolicy:BucketPolicy", inputs)
    assert checked == {"policy": '{"Statement":[]}', "bucket": {"not": "a document"}}
