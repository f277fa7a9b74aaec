"""Reject invalid answers before cookiecutter writes any file.

nodeship validates answers before it renders. This hook gives plain
``cookiecutter template/`` runs the same checks when nodeship is installed.
"""

import sys

VARIABLES = {
    "project_name": {{ cookiecutter.project_name | jsonify }},
    "project_slug": {{ cookiecutter.project_slug | jsonify }},
    "package_name": {{ cookiecutter.package_name | jsonify }},
    "description": {{ cookiecutter.description | jsonify }},
    "project_version": {{ cookiecutter.project_version | jsonify }},
    "app_type": {{ cookiecutter.app_type | jsonify }},
    "framework": {{ cookiecutter.framework | jsonify }},
    "language": {{ cookiecutter.language | jsonify }},
    "port": {{ cookiecutter.port | jsonify }},
    "node_version": {{ cookiecutter.node_version | jsonify }},
    "alpine_version": {{ cookiecutter.alpine_version | jsonify }},
    "ci": {{ cookiecutter.ci | jsonify }},
    "updates": {{ cookiecutter.updates | jsonify }},
    "package_manager": {{ cookiecutter.package_manager | jsonify }},
    "runtime": {{ cookiecutter.runtime | jsonify }},
    "native_deps": {{ cookiecutter.native_deps | jsonify }},
    "init": {{ cookiecutter.init | jsonify }},
    "tz": {{ cookiecutter.tz | jsonify }},
    "env_example": {{ cookiecutter.env_example | jsonify }},
    "image": {{ cookiecutter.image | jsonify }},
}


def main():
    try:
        from nodeship.context_check import validate_context
    except ImportError:
        print("nodeship is not installed; answers are not validated", file=sys.stderr)
        return 0
    problems = validate_context(VARIABLES)
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    return 1 if problems else 0


sys.exit(main())
