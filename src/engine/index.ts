// Public surface of the engine. Importing this does not load the native addon (that happens on first model load).
export { Engine, effectiveAudioCtx, type EngineOptions } from './engine.ts'
export { downloadModel, DownloadError, KNOWN_MODELS, DEFAULT_MODEL_BASE_URL, type DownloadOptions, type DownloadResult } from './download.ts'
export { readBuildInfo, parseSystemInfo, cpuFlags, type BuildInfo } from './build-info.ts'
export { ModelRegistry, candidateNames, modelFileName, modelUuid, type InstalledModel } from './registry.ts'
export { validateModelFile, ModelFileError, type ModelFileInfo } from './model-file.ts'
export { AbortError, JobQueue, type Priority, type QueueStats } from './queue.ts'
export { whisperLanguage, WHISPER_LANGUAGES } from './languages.ts'
export type * from './types.ts'
