import { InvalidEntityIdError } from '../errors.js'

/** DynamoDB allows 2048 bytes in a partition key; ids are far shorter in practice. */
export const MAX_ENTITY_ID_BYTES = 1024
// C0/C1 control characters: never part of a real id, and they make logs and error messages lie.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/

export function checkEntityId (entityId: unknown): string {
  if (typeof entityId !== 'string' || entityId.length === 0) throw new InvalidEntityIdError('an entity id must be a non-empty string')
  if (Buffer.byteLength(entityId) > MAX_ENTITY_ID_BYTES) throw new InvalidEntityIdError(`an entity id is at most ${MAX_ENTITY_ID_BYTES} bytes`)
  if (CONTROL.test(entityId)) throw new InvalidEntityIdError('entity ids cannot contain control characters')
  if (!entityId.isWellFormed()) throw new InvalidEntityIdError('entity ids must be well-formed Unicode')
  return entityId
}
