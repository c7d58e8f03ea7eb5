// Compiled from here so no object shares a basename with a sibling source in the ggml tree (ggml.c/ggml.cpp):
// gyp names objects by basename and make would pick either file for ggml.o.
#include "ggml.cpp"
