// gyp names objects by basename: ggml.c and ggml.cpp would both become ggml.o, so the C file is compiled from here.
#include "ggml.c"
