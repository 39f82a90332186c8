"""mlwarden's rule catalogue: one set of rules enforced at preview, offline and (later) at runtime.

Import names: this package lives in ``policies/`` so the CrossGuard pack is self-contained (the engine
runs ``policies/__main__.py`` with ``policies/`` on ``sys.path``); the kit's distribution installs it
under the same name for the command line and the tests. It depends on nothing but ``pulumi`` and
``pulumi-policy`` and never imports ``pulumi_aws`` (type tokens are strings).
"""

PACK_NAME = "mlwarden"
#: Kept equal to ``version`` in PulumiPolicy.yaml (a test checks it); the engine reports that one.
PACK_VERSION = "0.1.0"
