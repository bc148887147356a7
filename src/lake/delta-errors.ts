// Errors of the Delta Lake log: a table that is missing, broken, or asks for what this reader lacks.
import { ClickflowError } from '../core/errors.ts'

/** A Delta table cannot be read (or written) as asked; `code` says why, the message what to do. */
export class DeltaError extends ClickflowError {}

/** Another writer committed the version this one meant to create (create-if-absent failed). */
export class CommitConflictError extends DeltaError {
  readonly version: number
  constructor(version: number) {
    super('delta_commit_conflict', `version ${version} of the table was committed by another writer first`)
    this.version = version
  }
}
