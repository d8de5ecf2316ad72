"""Build the optional compiled scanner (auditor/loaders/logs/_scan.c) into the wheel, where a compiler exists.

Hatchling stays the build backend (it bundles schemas/ and rules/ into the package); this hook compiles
the one C file with setuptools' build_ext, which knows each platform's compiler and flags. Any failure
(no compiler, no Python headers) is a warning, not an error: the wheel is then pure Python and keyaudit
runs its pure-Python reader (auditor/loaders/logs/native.py). `KEYAUDIT_NO_EXTENSION=1` skips the build.

The module records the sha256 of the source it was built from (SCAN_SOURCE_SHA256), so that native.py can tell
a scanner older than its source (an editable install's, after `git pull`) and not use it. An editable install
keeps the built module in the source tree: one this install did not build (skipped, or failed) is removed there.
"""

from __future__ import annotations

import glob
import hashlib
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
        if self.target_name != "wheel":
            return
        editable = version == "editable"  # the package is imported from the source tree
        if editable:
            for leftover in glob.glob(os.path.join(self.root, os.path.dirname(SOURCE), "_scan*.*")):
                if leftover.endswith((".so", ".pyd")):
                    os.remove(leftover)
        if os.environ.get("KEYAUDIT_NO_EXTENSION", "") not in ("", "0"):
            return
        self._temporary = tempfile.mkdtemp(prefix="keyaudit-scan-")
        try:
            built = _compile(self.root, self._temporary)
        except (Exception, SystemExit) as error:  # distutils reports a missing compiler as SystemExit
            print(
                f"keyaudit: the compiled scanner was not built ({error}); the pure-Python reader runs", file=sys.stderr
            )
            return
        name = os.path.basename(built)
        if editable:
            shutil.copyfile(built, os.path.join(self.root, os.path.dirname(SOURCE), name))
        else:
            build_data["force_include"][built] = f"{os.path.dirname(SOURCE)}/{name}"
        build_data["pure_python"] = False
        build_data["infer_tag"] = True

    def finalize(self, version: str, build_data: dict, artifact_path: str) -> None:
        """The wheel holds its copy of the module now: the build folder goes."""
        shutil.rmtree(getattr(self, "_temporary", ""), ignore_errors=True)


def _compile(root: str, out: str) -> str:
    """The path of the built extension module, in the folder `out`."""
    from setuptools import Distribution, Extension

    with open(os.path.join(root, SOURCE), "rb") as source:
        digest = hashlib.sha256(source.read()).hexdigest()
    extension = Extension(MODULE, [SOURCE], define_macros=[("SCAN_SOURCE_SHA256", f'"{digest}"')])
    distribution = Distribution({"name": "keyaudit-scan", "ext_modules": [extension]})
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
