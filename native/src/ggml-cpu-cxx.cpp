// See ggml-cxx.cpp: ggml-cpu.c and ggml-cpu.cpp would both map to ggml-cpu.o.
#include "ggml-cpu/ggml-cpu.cpp"
