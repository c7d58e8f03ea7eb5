# earshot's whisper.cpp addon, built by scripts/build-whisper.mjs (project postinstall) with node-gyp.
# whisper.cpp and ggml are compiled from the sources inside the exactly pinned npm package nodejs-whisper
# (cpp/whisper.cpp, whisper.cpp v1.9.1): no cmake, no network. SIMD flags come from CFLAGS/CXXFLAGS, which the
# build script chooses for this CPU. The source list mirrors ggml's CMake for a static CPU-only build
# (GGML_CPU, llamafile sgemm, weight repacking; no OpenMP, no backend DL). AMX sources compile to nothing unless
# -mamx-int8 is passed, which the build script only does when asked and proven.
{
  'variables': {
    # relative: gyp's make generator mangles absolute source paths
    'wsp': '<!(node -p "const p = require(\'path\'); p.relative(process.cwd(), p.join(p.dirname(require.resolve(\'nodejs-whisper/package.json\')), \'cpp/whisper.cpp\'))")',
    'napi_include': '<!(node -p "require(\'node-addon-api\').include_dir")'
  },
  'targets': [{
    'target_name': 'earshot_whisper',
    'sources': [
      # earshot's binding (what each file owns: src/addon.h)
      'src/addon.cc', 'src/whisper-log.cc', 'src/model-load.cc', 'src/model.cc', 'src/transcribe-job.cc', 'src/results.cc',
      'src/whisper-unit.cpp',  # includes <(wsp)/src/whisper.cpp, unchanged (see the file)
      'src/ggml-c.c', 'src/ggml-cxx.cpp', '<(wsp)/ggml/src/ggml-alloc.c',
      '<(wsp)/ggml/src/ggml-backend.cpp', '<(wsp)/ggml/src/ggml-backend-meta.cpp', '<(wsp)/ggml/src/ggml-opt.cpp',
      '<(wsp)/ggml/src/ggml-threading.cpp', '<(wsp)/ggml/src/ggml-quants.c', '<(wsp)/ggml/src/gguf.cpp',
      '<(wsp)/ggml/src/ggml-backend-reg.cpp', '<(wsp)/ggml/src/ggml-backend-dl.cpp',
      'src/ggml-cpu-c.c', 'src/ggml-cpu-cxx.cpp',
      '<(wsp)/ggml/src/ggml-cpu/repack.cpp', '<(wsp)/ggml/src/ggml-cpu/hbm.cpp', '<(wsp)/ggml/src/ggml-cpu/quants.c',
      '<(wsp)/ggml/src/ggml-cpu/traits.cpp', '<(wsp)/ggml/src/ggml-cpu/amx/amx.cpp', '<(wsp)/ggml/src/ggml-cpu/amx/mmq.cpp',
      '<(wsp)/ggml/src/ggml-cpu/binary-ops.cpp', '<(wsp)/ggml/src/ggml-cpu/unary-ops.cpp',
      '<(wsp)/ggml/src/ggml-cpu/vec.cpp', '<(wsp)/ggml/src/ggml-cpu/ops.cpp',
      '<(wsp)/ggml/src/ggml-cpu/llamafile/sgemm.cpp'
    ],
    'include_dirs': [
      '<(napi_include)', '<(wsp)/include', '<(wsp)/src', '<(wsp)/ggml/include', '<(wsp)/ggml/src', '<(wsp)/ggml/src/ggml-cpu'
    ],
    'defines': [
      'NAPI_VERSION=8', 'NAPI_CPP_EXCEPTIONS', 'NDEBUG',
      # A job or log line that completes while a worker thread's env is torn down cannot reach JS: node-addon-api
      # then drops the error instead of std::terminate()-ing the whole process (its documented switch for this).
      'NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS',
      'GGML_USE_CPU', 'GGML_USE_LLAMAFILE', 'GGML_USE_CPU_REPACK', 'GGML_SCHED_MAX_COPIES=4',
      'GGML_VERSION="0.15.1"', 'GGML_COMMIT="whisper.cpp-v1.9.1"', 'WHISPER_VERSION="1.9.1"'
    ],
    'cflags': ['-O3', '-fexceptions', '-Wno-unused-function', '-Wno-unused-variable', '-Wno-sign-compare'],
    'cflags_c': ['-std=gnu11'],
    'cflags_cc': ['-std=gnu++17', '-fexceptions'],
    'cflags!': ['-fno-exceptions'],
    'cflags_cc!': ['-fno-exceptions', '-fno-rtti', '-std=gnu++1y', '-std=gnu++14'],
    'conditions': [
      ['OS=="linux"', { 'defines': ['_GNU_SOURCE'], 'libraries': ['-lpthread', '-ldl', '-lm'] }],
      ['target_arch=="x64" or target_arch=="ia32"', {
        'sources': ['<(wsp)/ggml/src/ggml-cpu/arch/x86/quants.c', '<(wsp)/ggml/src/ggml-cpu/arch/x86/repack.cpp']
      }],
      ['target_arch=="arm64"', {
        'sources': ['<(wsp)/ggml/src/ggml-cpu/arch/arm/quants.c', '<(wsp)/ggml/src/ggml-cpu/arch/arm/repack.cpp']
      }],
      ['OS=="mac"', {
        'xcode_settings': {
          'GCC_ENABLE_CPP_EXCEPTIONS': 'YES', 'CLANG_CXX_LANGUAGE_STANDARD': 'c++17', 'MACOSX_DEPLOYMENT_TARGET': '11.0',
          'OTHER_CFLAGS': ['-O3']
        }
      }]
    ]
  }]
}
