pytest_plugins = [
    "tests.fixtures.studio",
    "tests.fixtures.postgres",
    "tests.fixtures.release",
    "tests.fixtures.votes",
    "tests.fixtures.browser",
]
