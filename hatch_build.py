"""Build the optional compiled scanner (auditor/loaders/logs/_scan.c) into the wheel, where a compiler exists.

Hatchling stays the build backend (it bundles schemas/ and rules/ into the package); this hook compiles
the one C file with setuptools' build_ext, which knows each platform's compiler and flags. Any failure
(no compiler, no Python headers) is a warning, not an error: the wheel is then pure Python and keyaudit
runs its pure-Python reader (auditor/loaders/logs/native.py). `KEYAUDIT_NO_EXTENSION=1` skips the build.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

SOURCE = "auditor/loaders/logs/_scan.c"
MODULE = "auditor.loaders.logs._scan"


class ScannerBuildHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict) -> None:
        if self.target_name != "wheel" or os.environ.get("KEYAUDIT_NO_EXTENSION", "") not in ("", "0"):
            return
        try:
            built = _compile(self.root)
        except (Exception, SystemExit) as error:  # distutils reports a missing compiler as SystemExit
            print(
                f"keyaudit: the compiled scanner was not built ({error}); the pure-Python reader runs", file=sys.stderr
            )
            return
        name = os.path.basename(built)
        target = os.path.join(self.root, os.path.dirname(SOURCE), name)
        if version == "editable":  # the package is imported from the source tree
            shutil.copyfile(built, target)
        else:
            build_data["force_include"][built] = f"{os.path.dirname(SOURCE)}/{name}"
        build_data["pure_python"] = False
        build_data["infer_tag"] = True


def _compile(root: str) -> str:
    """The path of the built extension module, in a temporary folder."""
    from setuptools import Distribution, Extension

    out = tempfile.mkdtemp(prefix="keyaudit-scan-")
    distribution = Distribution({"name": "keyaudit-scan", "ext_modules": [Extension(MODULE, [SOURCE])]})
    distribution.script_name = "hatch_build.py"
    command = distribution.get_command_obj("build_ext")
    command.build_lib = os.path.join(out, "lib")
    command.build_temp = os.path.join(out, "temp")
    cwd = os.getcwd()
    os.chdir(root)
    try:
        command.ensure_finalized()
        command.run()
    finally:
        os.chdir(cwd)
    return command.get_ext_fullpath(MODULE)
