"""pyproject.toml texts for the projects the tests release."""

PSR_PROJECT = """\
[project]
name = "{name}"
version = "{version}"

"""

#: [tool.semantic_release] as the tests' projects have it ({name} names the remote).
PSR_TABLES = """\
[tool.semantic_release]
version_toml = ["pyproject.toml:project.version"]
tag_format = "v{{version}}"
commit_message = "chore(release): {{version}}"
commit_parser = "conventional"
allow_zero_version = true
major_on_zero = false
build_command = ""

[tool.semantic_release.remote]
url = "https://github.com/example/{name}.git"
type = "github"

[tool.semantic_release.branches.main]
match = "main"

[tool.semantic_release.changelog]
mode = "update"
insertion_flag = "<!-- version list -->"
exclude_commit_patterns = ['^chore\\\\(release\\\\): ']

[tool.semantic_release.changelog.default_templates]
changelog_file = "CHANGELOG.md"
"""

PSR_PYPROJECT = PSR_PROJECT + PSR_TABLES

CHANGELOG = "# Changelog\n\n<!-- version list -->\n"


def psr_project(name: str = "demo", version: str = "0.1.0") -> dict[str, str]:
    return {
        "pyproject.toml": PSR_PYPROJECT.format(name=name, version=version),
        "CHANGELOG.md": CHANGELOG,
    }
