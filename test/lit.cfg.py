# Gaon's lit configuration: tests under test/ mirror the source tree.
import os

import lit.formats
from lit.llvm import llvm_config

config.name = "Gaon"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.excludes = ["Inputs", "CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.gaon_obj_root, "test")

llvm_config.with_system_environment(["HOME", "TMPDIR"])
llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.gaon_tools_dir, append_path=True)
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)

# Scripts that build .onnx test models need Debian's python3 with onnx.
config.substitutions.append(("%onnx_python", config.python_onnx))
config.substitutions.append(("%gaon_src", config.gaon_src_root))
# flatc turns a .gnb into JSON and back, to build damaged binaries.
config.substitutions.append(("%flatc", config.flatc))
config.substitutions.append(("%gnb_schema", os.path.join(config.gaon_src_root, "runtime", "schema", "gnb.fbs")))
config.substitutions.append(("%gaon_bin", config.gaon_tools_dir))
config.substitutions.append(("%models", os.path.join(config.gaon_src_root, "utils", "models")))
tools = ["gaon-opt", "gaonc", "gaon-run", "gaon-dump", "gaon-tokenize", "gaon-generate", "gaon-unittests", "gaon-runtime-tests", "FileCheck", "not", "count"]
llvm_config.add_tool_substitutions(tools, [config.gaon_tools_dir, config.llvm_tools_dir])
