pytest_plugins = ["tests.fixtures.studio", "tests.fixtures.release", "tests.fixtures.votes", "tests.fixtures.browser"]
