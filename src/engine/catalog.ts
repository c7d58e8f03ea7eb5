/**
 * The model catalog: what a plan asks of the models before anything runs. Which installed model a request names
 * (the registry's rules: names, aliases, DEFAULT_MODEL) and the tokenizer of its vocabulary, read from the model
 * file once and cached. Nothing here loads a model or touches the decode queue: a request is planned against the
 * files, and only its decode reaches the engine (./engine.ts).
 */
import { modelInvalid } from '../errors.ts'
import { ModelFileError } from './model-file.ts'
import type { InstalledModel, ModelRegistry, ModelRequest } from './registry.ts'
import { WhisperTokenizer } from './tokenizer.ts'
import type { ModelCatalog, ModelDescription, PromptTokenizer } from './types.ts'

export const describeInstalled = (m: InstalledModel): ModelDescription => ({
  name: m.name, path: m.path, sizeBytes: m.sizeBytes, uuid: m.uuid, multilingual: m.multilingual, vocabSize: m.vocabSize
})

export class FileModelCatalog implements ModelCatalog {
  /** Per model file version (uuid): a replaced file gets a new uuid, so its tokenizer is read again. */
  private readonly tokenizers = new Map<string, Promise<WhisperTokenizer>>()
  private readonly registry: ModelRegistry
  private readonly defaultModel: string
  constructor (registry: ModelRegistry, defaultModel: string) {
    this.registry = registry
    this.defaultModel = defaultModel
  }

  /**
   * Resolves a requested model name or alias (DEFAULT_MODEL when omitted); `request` picks an alias target's
   * `.en` or multilingual file. AppError 400 naming the installed models and aliases when nothing matches.
   */
  async describeModel (name?: string, request: ModelRequest = {}): Promise<ModelDescription> {
    const installed = name === undefined || name === ''
      ? await this.registry.resolveInstalled(this.defaultModel)
      : await this.registry.resolve(name, request)
    return describeInstalled(installed)
  }

  async tokenizer (model: ModelDescription): Promise<PromptTokenizer> {
    let tokenizer = this.tokenizers.get(model.uuid)
    if (tokenizer === undefined) {
      tokenizer = WhisperTokenizer.fromFile(model.path)
      this.tokenizers.set(model.uuid, tokenizer)
      tokenizer.catch(() => { this.tokenizers.delete(model.uuid) }) // unreadable now: a later request tries again
    }
    try {
      return await tokenizer
    } catch (err) {
      if (err instanceof ModelFileError) throw modelInvalid(model.name, err.reason, err)
      throw err
    }
  }
}
