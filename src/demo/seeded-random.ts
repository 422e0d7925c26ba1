// The generator now lives in src/lib (statistics samples use it too); demo data keeps its import path.
export { seededRandom } from '../lib/seeded-random.js'
