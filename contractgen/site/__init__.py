"""The national variation register: a static website of every consortium's variations (issue 13)."""
