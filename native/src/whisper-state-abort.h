// See whisper-unit.cpp: the abort callback on a whisper_state's own ggml backends (checked between graph nodes).
#pragma once

#include "whisper.h"

void earshot_whisper_state_set_abort(struct whisper_state * state, ggml_abort_callback callback, void * data);
