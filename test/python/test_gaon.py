"""The Python package against the command-line tools: compile and run round
trips, numpy dtypes, refused inputs, parallel sessions. Run by
utils/run_pytest.py in `make test` (PYTHONPATH=build/python)."""

import json
import os
import subprocess
import sys
import threading
import time

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

import gaon

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEMO = os.path.join(ROOT, "models", "demo", "tiny_cnn.onnx")
BIN = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(gaon.__file__))), "..", "bin")
SHAPES = {"image": (1, 3, 32, 32)}


def image(seed=0):
    return np.random.default_rng(seed).standard_normal((1, 3, 32, 32)).astype(np.float32)


def model(nodes, inputs, outputs, inits=()):
    graph = helper.make_graph(nodes, "t", inputs, outputs, list(inits))
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def value(name, elem, shape):
    return helper.make_tensor_value_info(name, elem, shape)


@pytest.fixture(scope="module")
def cpu_binary():
    return gaon.compile(DEMO, target="cpu", input_shapes=SHAPES)


def test_version_and_devices():
    assert gaon.version
    assert {"cpu", "sim", "sim-timing"} <= set(gaon.devices())


def test_round_trip_matches_the_command_line(cpu_binary, tmp_path):
    path = str(tmp_path / "m.gnb")
    cpu_binary.save(path)
    x = image(3)
    np.save(tmp_path / "x.npy", x)
    subprocess.run([os.path.join(BIN, "gaon-run"), path, "--input=%s" % (tmp_path / "x.npy"),
                    "--output-dir=%s" % tmp_path], check=True, capture_output=True)
    cli = np.load(tmp_path / "output_0.npy")
    ours = gaon.Session(path).run({"image": x})["probs"]
    assert np.array_equal(cli, ours)
    # The same model from memory: an onnx.ModelProto and its bytes.
    proto = onnx.load(DEMO)
    for m in (proto, proto.SerializeToString()):
        again = gaon.compile(m, target="cpu", input_shapes=SHAPES)
        assert np.array_equal(gaon.Session(again).run({"image": x})["probs"], ours)


def test_npu_binary_report_signature_and_profile():
    binary = gaon.compile(DEMO, input_shapes=SHAPES)
    assert binary.target == "npu"
    assert binary.signature["inputs"] == [
        {"name": "image", "dtype": "float32", "shape": (1, 3, 32, 32)}]
    names = [n["name"] for n in binary.report["nodes"]]
    assert "pool1" in names and "softmax" in names
    assert all(n["placement"] == "npu" for n in binary.report["nodes"])
    session = gaon.Session(binary, device="sim")
    probs = session.run({"image": image()})["probs"]
    assert probs.shape == (1, 10) and abs(float(probs.sum()) - 1) < 1e-2
    profile = session.profile
    assert profile["total_cycles"] > 0 and profile["layers"]


def test_int8_with_python_calibration_samples():
    samples = [{"image": image(s)} for s in range(3)]
    binary = gaon.compile(DEMO, target="cpu", input_shapes=SHAPES,
                          quantize="int8", calibration=samples)
    probs = gaon.Session(binary).run({"image": image()})["probs"]
    assert probs.shape == (1, 10)


@pytest.mark.parametrize("dtype,elem", [
    (np.float32, TensorProto.FLOAT), (np.float16, TensorProto.FLOAT16),
    (np.int8, TensorProto.INT8), (np.int32, TensorProto.INT32),
    (np.int64, TensorProto.INT64)])
def test_numpy_dtypes(dtype, elem):
    m = model([helper.make_node("Add", ["a", "b"], ["y"])],
              [value("a", elem, [2, 3]), value("b", elem, [2, 3])],
              [value("y", elem, [2, 3])])
    session = gaon.Session(gaon.compile(m, target="cpu"))
    a = np.arange(6).reshape(2, 3).astype(dtype)
    b = (np.arange(6).reshape(2, 3) * 2).astype(dtype)
    y = session.run({"a": a, "b": b})["y"]
    assert y.dtype == dtype and np.array_equal(y, a + b)


def test_bool_and_bfloat16_as_uint16():
    m = model([helper.make_node("Not", ["a"], ["n"]),
               helper.make_node("Cast", ["x"], ["h"], to=TensorProto.BFLOAT16)],
              [value("a", TensorProto.BOOL, [4]), value("x", TensorProto.FLOAT, [4])],
              [value("n", TensorProto.BOOL, [4]), value("h", TensorProto.BFLOAT16, [4])])
    session = gaon.Session(gaon.compile(m, target="cpu"))
    a = np.array([True, False, True, False])
    x = np.array([1.0, -2.5, 3.0, 0.15625], np.float32)
    out = session.run({"a": a, "x": x})
    assert out["n"].dtype == np.bool_ and np.array_equal(out["n"], ~a)
    # bfloat16 comes back as its bits: the top half of each float32.
    assert out["h"].dtype == np.uint16
    assert np.array_equal(out["h"], (x.view(np.uint32) >> 16).astype(np.uint16))


def test_non_contiguous_inputs_are_copied(cpu_binary):
    x = image(5)
    wide = np.zeros((1, 3, 32, 64), np.float32)
    wide[..., ::2] = x
    session = gaon.Session(cpu_binary)
    assert np.array_equal(session.run({"image": wide[..., ::2]})["probs"],
                          session.run({"image": x})["probs"])


def test_wrong_inputs_are_refused(cpu_binary):
    session = gaon.Session(cpu_binary)
    x = image()
    cases = [({"image": x[:, :2]}, "has shape [1x2x32x32] but the model takes [1x3x32x32]"),
             ({"image": x.astype(np.float64)}, "is float64 but the model takes float32"),
             ({}, "input 'image' is not given"),
             ({"image": x, "extra": x}, "'extra' is no input of the model")]
    for feeds, message in cases:
        with pytest.raises(gaon.Error, match=message.replace("[", r"\[").replace("]", r"\]")):
            session.run(feeds)
    with pytest.raises(gaon.Error, match="no device 'gpu'"):
        gaon.Session(cpu_binary, device="gpu")
    with pytest.raises(gaon.Error, match="threads must be 0"):
        gaon.Session(cpu_binary, threads=100000)


def test_compile_errors_carry_the_compilers_message(tmp_path):
    with pytest.raises(gaon.Error, match="dynamic input dimensions"):
        gaon.compile(DEMO)
    with pytest.raises(gaon.Error, match="cannot parse"):
        gaon.compile(b"not an onnx model")


def test_sessions_run_in_parallel_threads(cpu_binary):
    inputs = [image(s) for s in range(4)]
    serial = [gaon.Session(cpu_binary, threads=1).run({"image": x})["probs"] for x in inputs]
    results = [None] * 4

    def work(i):
        session = gaon.Session(cpu_binary, threads=1)
        for _ in range(10):
            results[i] = session.run({"image": inputs[i]})["probs"]

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for a, b in zip(serial, results):
        assert np.array_equal(a, b)


def test_the_gil_is_released_while_a_session_runs():
    # One long run (a 1536^2 matrix product 24 times, about a second on one
    # thread); meanwhile this thread must keep running Python.
    n = 1536
    w = numpy_helper.from_array(np.eye(n, dtype=np.float32), "w")
    nodes, prev = [], "x"
    for i in range(24):
        nodes.append(helper.make_node("MatMul", [prev, "w"], ["m%d" % i]))
        prev = "m%d" % i
    m = model(nodes, [value("x", TensorProto.FLOAT, [n, n])],
              [value(prev, TensorProto.FLOAT, [n, n])], [w])
    session = gaon.Session(gaon.compile(m, target="cpu"), threads=1)
    x = np.ones((n, n), np.float32)
    span = {}

    def run():
        span["start"] = time.monotonic()
        session.run({"x": x})
        span["end"] = time.monotonic()

    worker = threading.Thread(target=run)
    ticks = []
    worker.start()
    while worker.is_alive():
        ticks.append(time.monotonic())
        time.sleep(0.001)
    worker.join()
    inside = [t for t in ticks if span["start"] < t < span["end"]]
    assert len(inside) >= 5, "the main thread did not run during session.run"


def test_console_entry_point(tmp_path):
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(gaon.__file__)))
    out = str(tmp_path / "m.gnb")
    subprocess.run([sys.executable, "-m", "gaon", "compile", DEMO, "--input-shape=image:1x3x32x32",
                    "--target=cpu", "-o", out], check=True, env=env)
    run = subprocess.run([sys.executable, "-m", "gaon", "run", out], check=True, env=env,
                         capture_output=True, text=True)
    assert "probs: float32[1, 10]" in run.stdout
    report = subprocess.run([sys.executable, "-m", "gaon", "report", DEMO,
                             "--input-shape=image:1x3x32x32"], check=True, env=env,
                            capture_output=True, text=True)
    assert "nodes on the NPU" in report.stdout


def test_tokenizer_matches_hugging_face():
    inputs = os.path.join(ROOT, "test", "tools", "tokenizer", "Inputs")
    tokenizer = gaon.Tokenizer(os.path.join(inputs, "gpt2.tokenizer.json"))
    import json
    cases = [c for c in json.load(open(os.path.join(inputs, "gpt2.expected.json")))
             if "text" in c]  # the others name sample files
    assert len(cases) >= 10
    for case in cases:
        assert tokenizer.encode(case["text"], add_special=False) == case["ids"], case["text"]
        assert tokenizer.decode(case["ids"]) == case["text"]
    with pytest.raises(gaon.Error):
        gaon.Tokenizer(os.path.join(inputs, "missing.json"))


@pytest.mark.parametrize("chunk", [0, 4])
def test_generate_matches_gaon_generate(tmp_path, chunk):
    # A tiny seeded decoder compiled with --max-seq-len (and a prefill entry
    # of 4 tokens): the same greedy tokens as the gaon-generate tool.
    onnx_path, gnb = str(tmp_path / "dec.onnx"), str(tmp_path / "dec.gnb")
    subprocess.run([sys.executable, os.path.join(ROOT, "utils", "models", "make_tiny_decoder.py"),
                    onnx_path, "--spelling=plain"], check=True)
    flags = ["--max-seq-len=64"] + (["--prefill-chunk=%d" % chunk] if chunk else [])
    gaon.compile(onnx_path, target="cpu", report=False, extra_args=flags).save(gnb)
    prompt = [3, 5, 7, 11, 13, 17, 19]
    ids_json = str(tmp_path / "ids.json")
    subprocess.run([os.path.join(BIN, "gaon-generate"), gnb, "--prompt-ids=" + ",".join(map(str, prompt)),
                    "--max-new-tokens=16", "--output-ids=" + ids_json], check=True, capture_output=True)
    import json
    want = json.load(open(ids_json))["generated_ids"]
    session = gaon.Session(gnb)
    assert list(session.generate(prompt, max_new_tokens=16)) == want
    # Tokens stream: the first arrives before the rest are made; a second
    # call starts from empty caches again.
    stream = session.generate(prompt, max_new_tokens=16)
    assert next(stream) == want[0]
    assert list(session.generate(prompt, max_new_tokens=16)) == want
    with pytest.raises(gaon.Error, match="do not fit the caches of 64"):
        list(session.generate(list(range(70)), max_new_tokens=1))


def test_npu_caches_stay_on_the_device(tmp_path):
    # Attention and the cache updates run on the NPU (sim device): the
    # caches stay in device memory between steps, and read_state brings
    # them back to compare with the CPU target's (bf16 on the NPU).
    onnx_path = str(tmp_path / "dec.onnx")
    subprocess.run([sys.executable, os.path.join(ROOT, "utils", "models", "make_tiny_decoder.py"),
                    onnx_path, "--spelling=plain"], check=True)
    flags = ["--max-seq-len=16", "--llm-entry=decode"]
    npu = gaon.compile(onnx_path, target="npu", report=False, extra_args=flags)
    cpu = gaon.compile(onnx_path, target="cpu", report=False, extra_args=flags)
    npu_session, cpu_session = gaon.Session(npu, device="sim"), gaon.Session(cpu)
    for at, token in enumerate([3, 5, 7]):
        inputs = {"input_ids": np.array([[token]], np.int64), "position": np.array([at], np.int64)}
        npu_logits = npu_session.run(inputs)["logits"]
        cpu_logits = cpu_session.run(inputs)["logits"]
        cos = float(np.dot(npu_logits.ravel(), cpu_logits.ravel()) /
                    (np.linalg.norm(npu_logits) * np.linalg.norm(cpu_logits)))
        assert cos > 0.999
        # After the first step (which uploads the empty caches, 4 KiB), a
        # step's host traffic is the hidden state and the logits, not the
        # caches.
        host_bytes = npu_session.profile["host_transfer_seconds"] * 16e9
        assert host_bytes > 4096 if at == 0 else host_bytes < 1024
    for name in ("past_key_values.0.key", "past_key_values.1.value"):
        got, want = npu_session.read_state(name), cpu_session.read_state(name)
        assert np.abs(want[:, :, 3:]).max() == 0 and np.abs(got[:, :, 3:]).max() == 0
        np.testing.assert_allclose(got, want, rtol=2e-2, atol=2e-2)
    # The host's copy becomes the state: a step after write_state reads it.
    npu_session.write_state("past_key_values.0.key", np.zeros((1, 2, 16, 16), np.float32))
    assert np.abs(npu_session.read_state("past_key_values.0.key")).max() == 0
    # A position past the cache is refused, not written out of bounds.
    with pytest.raises(gaon.Error, match="in \\[0, 15\\]"):
        npu_session.run({"input_ids": np.array([[1]], np.int64), "position": np.array([16], np.int64)})


@pytest.mark.parametrize("window", [0, 20])
def test_npu_attention_over_many_key_blocks(tmp_path, window):
    # A machine whose matrix engine is 16 wide streams keys in blocks of 64:
    # a cache of 256 positions is four blocks, guarded by the position (and
    # the sliding window). Prefill in chunks of 16, then decode; every
    # step's logits against the CPU target's.
    onnx_path = str(tmp_path / "dec.onnx")
    subprocess.run([sys.executable, os.path.join(ROOT, "utils", "models", "make_tiny_decoder.py"),
                    onnx_path, "--spelling=plain", "--layers=2"] +
                   (["--window=%d" % window] if window else []), check=True)
    config = json.loads(subprocess.run([os.path.join(BIN, "gaonc"), "--print-npu-config", "--npu-config=edge"],
                                       check=True, capture_output=True, text=True).stdout.splitlines()[0])
    config["name"], config["matrix"]["rows"], config["matrix"]["cols"] = "narrow", 16, 16
    config_path = str(tmp_path / "narrow.json")
    json.dump(config, open(config_path, "w"))
    flags = ["--max-seq-len=256", "--prefill-chunk=16"]
    npu = gaon.Session(gaon.compile(onnx_path, target="npu", report=False,
                                    extra_args=flags + ["--npu-config=" + config_path]), device="sim")
    cpu = gaon.Session(gaon.compile(onnx_path, target="cpu", report=False, extra_args=flags))
    tokens = np.random.default_rng(3).integers(0, 97, 150)
    def cosine(a, b):
        a, b = a.ravel(), b.ravel()
        return float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))
    for at in range(0, 96, 16):  # prefill: positions 0 .. 95
        inputs = {"input_ids": tokens[None, at:at + 16], "position": np.array([at], np.int64)}
        assert cosine(npu.run(inputs, entry="prefill")["logits"], cpu.run(inputs, entry="prefill")["logits"]) > 0.999
    for at in range(96, 150):  # decode across the block at 128
        inputs = {"input_ids": tokens[None, at:at + 1], "position": np.array([at], np.int64)}
        assert cosine(npu.run(inputs, entry="decode")["logits"], cpu.run(inputs, entry="decode")["logits"]) > 0.999, at
    for name in ("past_key_values.0.key", "past_key_values.1.value"):
        np.testing.assert_allclose(npu.read_state(name), cpu.read_state(name), rtol=3e-2, atol=3e-2)


def test_offline_pip_install(tmp_path):
    # pip with Debian's setuptools, no network: the package from this build,
    # importable from the install folder, compiles and runs.
    target = str(tmp_path / "site")
    env = dict(os.environ, GAON_BUILD_DIR=os.path.dirname(BIN))
    env.pop("PYTHONPATH", None)
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-build-isolation", "--no-index",
                    "--quiet", "--target=" + target, os.path.join(ROOT, "python")],
                   check=True, env=env, capture_output=True, cwd=str(tmp_path))
    env["PYTHONPATH"] = target
    run = subprocess.run([sys.executable, "-c",
                          "import gaon, numpy as np; b = gaon.compile(%r, target='cpu', "
                          "input_shapes={'image': (1, 3, 32, 32)}); print(gaon.__file__, "
                          "gaon.Session(b).run({'image': np.zeros((1, 3, 32, 32), np.float32)})"
                          "['probs'].shape)" % DEMO],
                         check=True, env=env, capture_output=True, text=True, cwd=str(tmp_path))
    assert run.stdout.startswith(target) and "(1, 10)" in run.stdout
