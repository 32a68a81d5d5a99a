"""Tests of annotation.aggregate, one module per submodule."""
