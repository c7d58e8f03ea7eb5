// gyp names objects by basename: ggml-cpu.c and ggml-cpu.cpp would both become ggml-cpu.o.
#include "ggml-cpu/ggml-cpu.c"
