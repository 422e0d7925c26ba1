/** Attribute names of our own in the feature table. Feature names start with a letter, so these never collide with one. */
export const ENTITY_ATTR = '_e'
export const SET_ATTR = '_s'
export const EVENT_TIME_ATTR = '_t'
/** `<feature set>#<shard>`: the hash key of the by-set index (see set-shards.ts). */
export const SHARD_KEY_ATTR = '_p'
