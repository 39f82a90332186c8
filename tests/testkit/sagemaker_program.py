"""The SageMaker test program's body (``tests/components/programs/sagemaker/ml_stack.py``), for component tests.

The program directory is also run whole (``mlwarden preview --cwd``), where ``__main__.py`` imports
``ml_stack`` by its plain name; tests import the same module once, under that name, so both see one module.
"""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

from testkit.paths import ROOT

PROGRAM_DIR = ROOT / "tests" / "components" / "programs" / "sagemaker"


def load_ml_stack() -> ModuleType:
    """``ml_stack``, imported once per process."""
    if "ml_stack" not in sys.modules:
        spec = importlib.util.spec_from_file_location("ml_stack", PROGRAM_DIR / "ml_stack.py")
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules["ml_stack"] = module
        spec.loader.exec_module(module)
    return sys.modules["ml_stack"]
