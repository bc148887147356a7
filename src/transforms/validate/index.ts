// The validate transform.
import type { TransformSpec } from '../../core/component.ts'
import { type ValidateConfig, validateConfig } from './config.ts'
import { createValidate } from './transform.ts'

/** Spec of the `validate` transform. */
export const validateTransform: TransformSpec<ValidateConfig> = {
  kind: 'transform',
  type: 'validate',
  description:
    'Checks each event against the contract; invalid ones go to the dead-letter store with the reason.',
  config: validateConfig,
  build: async (config) => createValidate(config),
}
