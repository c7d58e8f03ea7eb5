// whisper's log, routed to a JS function (pino in the server): setLogger(fn | null).
//
// whisper/ggml log from any thread, in fragments (GGML_LOG_LEVEL_CONT continues a line): fragments are joined per
// thread into lines and each line is handed to JS through a thread-safe function. No logger = silence. Apart from
// the rest because it is process-wide state (whisper_log_set has one callback per process) that any thread touches.
#include "addon.h"

namespace earshot {
namespace {

std::mutex g_log_mutex;               // guards the four below
Napi::ThreadSafeFunction g_log_tsfn;  // the logger; owned here (Release) while g_log_set
bool g_log_set = false;
napi_env g_log_env = nullptr;         // the env whose JS thread set it: the tsfn dies with that env
uintptr_t g_log_generation = 0;       // which setLogger call the registered cleanup hook belongs to

struct LogLine { int level; std::string text; };

// The abort flag of the job running on this thread, if any (set_thread_job_aborted, from the job's Execute).
// whisper logs "failed to encode" / "encoder_begin_callback returned false" at error level when a job is aborted:
// that is the client leaving, not a fault, so those lines are demoted to debug. The flag is the job's.
thread_local const std::atomic<bool>* t_job_aborted = nullptr;

// The env is going away and its thread-safe functions with it (after this hook: hooks run in reverse order of
// registration, and the tsfn registered its own first). From here on lines are dropped instead of handed to a
// freed tsfn by a thread still decoding.
void forget_logger_at_teardown(void* generation) {
  std::lock_guard<std::mutex> lock(g_log_mutex);
  if (g_log_set && reinterpret_cast<uintptr_t>(generation) == g_log_generation) g_log_set = false;
}

void deliver(std::string line, int level) {
  std::lock_guard<std::mutex> lock(g_log_mutex);
  if (!g_log_set) return;
  auto* msg = new LogLine{level, std::move(line)};  // owned by the queued call, or freed here if it is refused
  if (g_log_tsfn.NonBlockingCall(msg, [](Napi::Env env, Napi::Function fn, LogLine* m) {
        try { fn.Call({Napi::Number::New(env, m->level), Napi::String::New(env, m->text)}); } catch (const Napi::Error&) {}
        delete m;
      }) != napi_ok) {
    delete msg;
  }
}

}  // namespace

void set_thread_job_aborted(const std::atomic<bool>* aborted) { t_job_aborted = aborted; }

// Called by whisper/ggml from C and C++ frames on any thread: nothing may be thrown through them.
void log_callback(enum ggml_log_level level, const char* text, void*) {
  thread_local std::string pending;
  thread_local int pending_level = GGML_LOG_LEVEL_INFO;
  try {
    if (level != GGML_LOG_LEVEL_CONT) pending_level = level;
    if (t_job_aborted && t_job_aborted->load() && (level == GGML_LOG_LEVEL_ERROR || level == GGML_LOG_LEVEL_WARN)) {
      pending_level = GGML_LOG_LEVEL_DEBUG;
    }
    pending += text ? text : "";
    size_t nl;
    while ((nl = pending.find('\n')) != std::string::npos) {
      std::string line = pending.substr(0, nl);
      pending.erase(0, nl + 1);
      if (!line.empty()) deliver(std::move(line), pending_level);
    }
  } catch (...) {
    pending.clear();  // out of memory: the line is lost, the process is not
  }
}

Napi::Value SetLogger(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::lock_guard<std::mutex> lock(g_log_mutex);
  if (g_log_set) {
    g_log_tsfn.Release();
    g_log_set = false;
    // the hook of another env (a worker thread) stays registered and finds its generation outdated
    if (g_log_env == env) napi_remove_env_cleanup_hook(env, forget_logger_at_teardown, reinterpret_cast<void*>(g_log_generation));
  }
  if (info.Length() > 0 && info[0].IsFunction()) {
    g_log_tsfn = Napi::ThreadSafeFunction::New(env, info[0].As<Napi::Function>(), "whisper-log", 0, 1);
    g_log_tsfn.Unref(env);  // logging must not keep the process alive
    g_log_set = true;
    g_log_env = env;
    g_log_generation++;
    napi_add_env_cleanup_hook(env, forget_logger_at_teardown, reinterpret_cast<void*>(g_log_generation));
  }
  return env.Undefined();
}

}  // namespace earshot
